"""报送平台: the web service where agencies submit their annual reports, every submission is checked on
arrival, and consolidators see, return and merge them level by level.

A thin adapter over the library (xxgk.validate, xxgk.template, xxgk.consolidate). Layout follows FastAPI's
"bigger applications" guide: `app.create_app(settings)` builds the application; `routers/` hold the
pages and the JSON API; `deps.py` the injected dependencies (database session, current account, CSRF);
`models.py` and `migrations/` the database; `storage.py` the content-addressed file store; `service.py`
the actions both pages and API call.
"""
