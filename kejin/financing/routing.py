"""What routing a demand needs from matching: the institutions of its top matches.

``RouteCandidate`` is one institution with the product that matched best and its score;
``kejin.financing.matching.demand_route_candidates(*, demand, limit, exclude_institutions)``
gives them best first (the matching module); ``demand_route`` (the demand services) writes
them as ``DemandRoute`` rows, or posts the demand to the open pool when there are none.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

#: How many institutions a demand is routed to (the top matches, one per institution).
ROUTE_LIMIT = 3


@dataclass(frozen=True)
class RouteCandidate:
    """An institution a demand may be routed to, with its best-matching product."""

    institution_id: int
    product_id: int
    score: Decimal
