"""The JSON API under /api/v1/: the web's data, scoped exactly as its pages
scope it (campaigns/access.py), read and changed with personal access tokens
(or the browser's session, with its CSRF check)."""
