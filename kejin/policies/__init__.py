"""Policies (政策发布与兑现): publishing, eligibility and benefit as rules, matching, impact
simulation, applications, tech insurance and group cover, the credit risk compensation fund."""
