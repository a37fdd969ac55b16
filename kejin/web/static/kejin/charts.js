// Kejin charts: draws every element with data-chart="<id of a json_script element>" with ECharts.
// The page passes its data with Django's json_script: {kind, series, categories, values};
// kind is "bar" (vertical bars), "hbar" (horizontal bars, for long labels) or "line".
(function () {
  "use strict";
  if (typeof window.echarts === "undefined") {
    return;
  }
  var PRIMARY = "#0d6efd";

  function option(data) {
    var horizontal = data.kind === "hbar";
    var categoryAxis = {
      type: "category",
      data: horizontal ? data.categories.slice().reverse() : data.categories,
      axisTick: { alignWithLabel: true },
      axisLabel: horizontal ? { width: 140, overflow: "truncate" } : { interval: 0, hideOverlap: true }
    };
    var valueAxis = { type: "value", minInterval: 1 };
    var values = horizontal ? data.values.slice().reverse() : data.values;
    return {
      color: [PRIMARY],
      tooltip: { trigger: "axis", axisPointer: { type: data.kind === "line" ? "line" : "shadow" } },
      grid: { left: 8, right: 32, top: 24, bottom: 8, containLabel: true },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: [{
        name: data.series,
        type: data.kind === "line" ? "line" : "bar",
        data: values,
        smooth: data.kind === "line",
        areaStyle: data.kind === "line" ? { opacity: 0.12 } : undefined,
        barMaxWidth: 36,
        label: data.kind === "line" ? undefined : { show: values.length <= 20, position: horizontal ? "right" : "top" }
      }]
    };
  }

  var charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var source = document.getElementById(el.getAttribute("data-chart"));
    if (!source) {
      return;
    }
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    // Marked ready once drawn and animated (browser tests wait for it before a screenshot).
    chart.on("finished", function () { el.setAttribute("data-chart-ready", "true"); });
    chart.setOption(option(JSON.parse(source.textContent)));
    charts.push(chart);
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
