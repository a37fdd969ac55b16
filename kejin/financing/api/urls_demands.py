"""API of financing: demands (see kejin/financing/api/urls.py): the list, one demand, and
one POST endpoint per workflow action (``demands/<id>/<action>/``)."""

from django.urls import path

from kejin.financing.api import demands

urlpatterns = [
    path("demands/", demands.DemandListView.as_view(), name="api-financing-demand-list"),
    path(
        "demands/<int:pk>/",
        demands.DemandDetailView.as_view(),
        name="api-financing-demand-detail",
    ),
    path(
        "demands/<int:pk>/claim/",
        demands.DemandClaimView.as_view(),
        name="api-financing-demand-claim",
    ),
    *(
        path(
            f"demands/<int:pk>/{action}/",
            view.as_view(),
            name=f"api-financing-demand-{action}",
        )
        for action, view in demands.ACTION_VIEWS.items()
    ),
]
