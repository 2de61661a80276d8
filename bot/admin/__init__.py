"""Staff endpoints under ``/admin``: the console pages (``console.py``), the JSON API (``api.py``),
exports (``exports.py``), and authentication (``auth.py`` for the API token, ``sessions.py`` for
console cookies)."""
