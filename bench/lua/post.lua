-- POSTs a 64 KiB body (or args[1] bytes) on every request, keep-alive: the
-- upload load of the side-by-side matrix. The request stays static (no
-- request function), so wrk formats it once, after init, and never calls
-- into Lua per request.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/octet-stream"
init = function(args)
  wrk.body = string.rep("n", tonumber(args[1]) or 65536)
end
