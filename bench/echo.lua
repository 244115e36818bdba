-- wrk script for POST /echo: a valid body, so every measured request takes the full validate-and-echo path.
wrk.method = "POST"
wrk.body = '{"name":"Ada","age":36}'
wrk.headers["Content-Type"] = "application/json"
