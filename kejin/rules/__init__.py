"""Kejin's rules engine: JSON rules (a JsonLogic subset) over catalogued facts.

Pure Python + polars, no Django. ``expressions`` compiles one JsonLogic expression to a polars
expression (batch) or evaluates it over one enterprise's facts (explanations); ``ruleset``
runs a staged rule set — indicators with point bands, score components, conditions and an
outcome — over a whole frame at once, and explains a single result clause by clause.
"""
