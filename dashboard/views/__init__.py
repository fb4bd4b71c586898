"""The dashboard pages, run by ``st.navigation`` from ``dashboard/app.py`` (not imported)."""
