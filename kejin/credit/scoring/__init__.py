"""Credit scoring: scorecards as versioned points tables evaluated by ``kejin.rules``.

- ``scorecards``: the default Jiaxing expert scorecard, a version's rule set, scoring a
  facts frame, reason texts.
- ``training``: statistical scorecards (optbinning WOE binning + logistic regression).
- ``services`` / ``selectors``: drafting, previewing and activating versions; reads.
- ``batch``: scoring every enterprise with the active version, writing only changes.
- ``monitoring``: population stability of scores and indicators.
"""
