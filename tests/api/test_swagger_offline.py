"""/docs works on an intranet: Swagger UI's script and style come from the
installed swagger-ui-bundle package, never from a CDN."""
from __future__ import annotations

import re


def test_docs_page_loads_its_assets_from_the_app(api) -> None:
    page = api.client.get("/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/docs/assets/") for s in sources), sources
    assert "cdn" not in page.text.lower()
    assert "/openapi.json" in page.text
    for source in sources:
        asset = api.client.get(source)
        assert asset.status_code == 200 and len(asset.content) > 500, source
    script = api.client.get("/docs/assets/swagger-ui-bundle.js")
    assert script.headers["content-type"].startswith("text/javascript") and b"SwaggerUIBundle" in script.content
    assert api.client.get("/docs/assets/..%2Fswagger-ui.js").status_code == 404
    assert api.client.get("/docs/assets/index.html").status_code == 404
    assert api.client.get("/docs/oauth2-redirect").status_code == 200
