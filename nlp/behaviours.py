"""The agent behaviours the detector's signals name, as reviewers and managers read them."""

# Agent behaviour on a call, from the detector's signals (rules 3, 7, 8).
BEHAVIOURS = {
    "deflection": "passed the buck",
    "apology_corporate": "corporate 'we apologise'",
    "apology_first_person": "first-person 'I'm sorry'",
    "ownership": "took ownership",
    "promise": "made a promise",
}
