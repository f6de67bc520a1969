-- wrk script for bench/webhook_wrk.sh: POSTs a Tencent interruption callback,
-- signed with md5(key + t) (computed by the shell script: the sign covers
-- only t), with a distinct sequence per request so every body is a new
-- callback for the webhook's de-duplication.
local template = os.getenv("SDX_BODY_TEMPLATE")
local path = os.getenv("SDX_PATH") or "/"
local counter = 0
local threads = 0

-- Runs in the main state: each thread's state gets its own `id` global.
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

function request()
  counter = counter + 1
  local body = template:gsub("SEQUENCE", string.format("%d%012d", id, counter))
  return wrk.format("POST", path, {["Content-Type"] = "application/json"}, body)
end
