-- Test helper: runs the klp launcher as a user would and captures everything.
local M = {}

local function quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end
M.quote = quote

local function slurp(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end
M.slurp = slurp

--- A shell command line that does not pass `make test-asan`'s LD_PRELOAD on
--- (lua5.4 gets it back from its wrapper; other tools must not have it).
function M.shell(cmd)
  return "unset LD_PRELOAD; " .. cmd
end

--- Runs `lua5.4 klp.lua ARGS...` (or opts.lua) from the repo root with an
--- optional environment prefix; returns {status =, stdout =, stderr =}.
function M.run(args, opts)
  opts = opts or {}
  local parts = { opts.env or "", opts.lua or "lua5.4", quote(opts.script or "klp.lua") }
  for _, a in ipairs(args) do parts[#parts + 1] = quote(a) end
  local err = os.tmpname()
  local cmd = M.shell(table.concat(parts, " ") .. " 2>" .. quote(err) .. (opts.stdin and "" or " </dev/null"))
  local p = assert(io.popen(cmd, "r"))
  local out = p:read("a")
  local _, _, status = p:close()
  local stderr = slurp(err) or ""
  os.remove(err)
  return { status = status, stdout = out, stderr = stderr }
end

return M
