// Enterprise profile charts: facts over the years, drawn with the vendored ECharts.
// No inline scripts (Content-Security-Policy): the data comes from a json_script element
// named by the chart's data-source; labels are in the data, so they are translated server-side.
// Charts are drawn on page load and whenever HTMX swaps in a profile section.
(function () {
  "use strict";

  var charts = [];

  function moneyOption(data) {
    var l = data.labels;
    return {
      title: { text: l.money_title, left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      legend: { bottom: 0 },
      grid: { left: 60, right: 60, top: 40, bottom: 50 },
      xAxis: { type: "category", data: data.years },
      yAxis: [
        { type: "value", name: l.money_axis },
        { type: "value", name: l.intensity_axis, axisLabel: { formatter: "{value}%" }, splitLine: { show: false } }
      ],
      series: [
        { name: l.revenue, type: "bar", data: data.revenue },
        { name: l.rd_expense, type: "bar", data: data.rd_expense },
        { name: l.rd_intensity, type: "line", yAxisIndex: 1, data: data.rd_intensity, connectNulls: false }
      ]
    };
  }

  function staffOption(data) {
    var l = data.labels;
    return {
      title: { text: l.staff_title, left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      legend: { bottom: 0 },
      grid: { left: 50, right: 20, top: 40, bottom: 50 },
      xAxis: { type: "category", data: data.years },
      yAxis: { type: "value", name: l.staff_axis, minInterval: 1 },
      series: [
        { name: l.employees, type: "bar", data: data.employees },
        { name: l.tech_staff, type: "bar", data: data.tech_staff }
      ]
    };
  }

  var OPTIONS = { money: moneyOption, staff: staffOption };

  function draw(root) {
    if (typeof window.echarts === "undefined" || !root || !root.querySelectorAll) {
      return;
    }
    var targets = Array.prototype.slice.call(root.querySelectorAll("[data-profile-chart]"));
    if (root.matches && root.matches("[data-profile-chart]")) {
      targets.push(root);
    }
    targets.forEach(function (el) {
      if (el.hasAttribute("data-drawn")) {
        return;
      }
      var source = document.getElementById(el.getAttribute("data-source"));
      var build = OPTIONS[el.getAttribute("data-profile-chart")];
      if (!source || !build) {
        return;
      }
      var chart = window.echarts.init(el);
      chart.setOption(build(JSON.parse(source.textContent)));
      el.setAttribute("data-drawn", "");
      charts.push(chart);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:load", function (event) {
    draw((event.detail && event.detail.elt) || event.target);
  });
  window.addEventListener("resize", function () {
    charts = charts.filter(function (chart) {
      if (!chart.getDom().isConnected) {
        chart.dispose();
        return false;
      }
      chart.resize();
      return true;
    });
  });
})();
