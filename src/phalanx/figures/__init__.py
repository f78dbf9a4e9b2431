"""Plotly figures drawn from plain data, shared by the report and the web dashboard.

Each function takes what a library function returned (records, summaries) and gives a
``plotly.graph_objects.Figure``; nothing here queries the knowledge base or runs a model,
so the report, the dashboard and the CLI's chart files show the same numbers.
"""
