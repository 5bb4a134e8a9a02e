"""gunicorn's settings for every way the app is served: `make serve`, the
Dockerfile, docker-compose.yml and the drills in tests/ all pass
`-c python:advocacy.gunicorn_conf`.

Whether a request came through a trusted proxy is Django's decision alone
(TRUSTED_PROXY_HOPS in advocacy/settings.py). By default gunicorn believes an
X-Forwarded-Proto header from any client on 127.0.0.1, which would let a
local client pass a plain request off as HTTPS, so it is told to trust none.
"""

forwarded_allow_ips = ""
