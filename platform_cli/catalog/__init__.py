"""The landscape catalog: a static site (HTML, CSS, a little JavaScript) built from the
repository, for the questions people ask every day: who owns this, who is on call, what
depends on it, what it costs, which systems hold personal data, which waivers expire.

`site.build_catalog` gathers the facts (`facts.py`), draws the map (`landscape_map.py`
over the layout door `layout.py`, the only module that imports grandalf), writes every
page (`pages.py`, with `html.py` escaping every value) and the search index. docs/catalog.md.
"""
