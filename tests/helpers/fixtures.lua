-- Cached builder for the ORIGINAL/PATCHED object pairs under tests/fixtures.
--
--   local fixtures = require "helpers.fixtures"
--   local orig, patched = fixtures.pair("two_files_statics", "gcc")
--   for _, tc in ipairs(fixtures.toolchains("thinlto_hash")) do ... end
--   for _, case in ipairs(fixtures.cases()) do ... end
--
-- Objects are built by tests/fixtures/build.sh into
-- build/fixtures/<toolchain>/<case>/{orig,patched}.o (relative to the current
-- directory, i.e. the repo root when the specs run).  A `stamp` file next to
-- them holds the cache key: a sha256 over every file of the case directory
-- (names and contents), build.sh, the toolchain name and the compiler's
-- version line.  The pair is rebuilt only when the key changed.

local M = {}

local DEFAULT_TOOLCHAINS = { "gcc", "clang" }
local COMPILER = { gcc = "gcc", clang = "clang-19" }

-- tests/fixtures, found next to this file (tests/helpers/fixtures.lua);
-- falls back to the path relative to the repo root.
local function fixtures_dir()
  local src = debug.getinfo(1, "S").source
  if src:sub(1, 1) == "@" then
    local dir = src:sub(2):match("^(.*)/helpers/[^/]+$")
    if dir then return dir .. "/fixtures" end
    if src:sub(2):match("^helpers/[^/]+$") then return "fixtures" end
  end
  return "tests/fixtures"
end

M.dir = fixtures_dir()
M.build_root = "build/fixtures"

local function sh_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local function check_name(kind, s)
  if type(s) ~= "string" or not s:match("^[%w_%-]+$") then
    error(("fixtures: bad %s name %q"):format(kind, tostring(s)), 3)
  end
end

-- Run a shell command; returns ok, combined output, exit code.  The exit code
-- is echoed by the shell itself, so this works on Lua 5.1 (whose popen close()
-- does not report it) as well as 5.4.  LD_PRELOAD is dropped: `make
-- test-asan` preloads the sanitizer runtimes into lua5.4, not into compilers.
local function run(cmd)
  local p = assert(io.popen("{ unset LD_PRELOAD; " .. cmd .. "\n} 2>&1; echo \"__fixtures_rc=$?\"", "r"))
  local out = p:read("*a")
  p:close()
  local body, code = out:match("^(.-)__fixtures_rc=(%d+)%s*$")
  if not body then return false, out, nil end
  code = tonumber(code)
  return code == 0, body, code
end

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

local function write_file(path, s)
  local f = assert(io.open(path, "wb"))
  assert(f:write(s))
  assert(f:close())
end

local function case_dir(case)
  return M.dir .. "/" .. case
end

local function is_dir(path)
  local ok = run("test -d " .. sh_quote(path))
  return ok
end

--- Names of all fixture cases (directories with an orig/ subdirectory), sorted.
function M.cases()
  local ok, out = run("cd " .. sh_quote(M.dir)
    .. " && find . -mindepth 2 -maxdepth 2 -type d -name orig | LC_ALL=C sort")
  if not ok then error("fixtures: cannot list cases in " .. M.dir .. ":\n" .. out, 2) end
  local list = {}
  for line in out:gmatch("[^\n]+") do
    local name = line:match("^%./([^/]+)/orig$")
    if name then list[#list + 1] = name end
  end
  return list
end

--- Toolchains a case is built with: the words of CASE/toolchains, default {"gcc","clang"}.
function M.toolchains(case)
  check_name("case", case)
  if not is_dir(case_dir(case) .. "/orig") then
    error("fixtures: no such case: " .. case, 2)
  end
  local s = read_file(case_dir(case) .. "/toolchains")
  if not s then
    return { (table.unpack or unpack)(DEFAULT_TOOLCHAINS) }
  end
  local list = {}
  for w in s:gmatch("%S+") do list[#list + 1] = w end
  return list
end

--- Does CASE support TOOLCHAIN?
function M.supports(case, toolchain)
  for _, t in ipairs(M.toolchains(case)) do
    if t == toolchain then return true end
  end
  return false
end

-- Cache key for (case, toolchain).
local function cache_key(case, toolchain)
  local cc = COMPILER[toolchain] or toolchain
  local cmd = "cd " .. sh_quote(M.dir) .. " && { "
    .. "find -L " .. sh_quote(case) .. " -type f -print | LC_ALL=C sort | "
    .. "while IFS= read -r f; do printf '%s\\n' \"$f\"; sha256sum < \"$f\"; done; "
    .. "printf 'build.sh\\n'; sha256sum < build.sh; "
    .. "printf 'toolchain %s\\n' " .. sh_quote(toolchain) .. "; "
    .. "(" .. cc .. " --version 2>/dev/null | head -n 1) || true; "
    .. "} | sha256sum"
  local ok, out = run(cmd)
  local key = ok and out:match("^(%x+)")
  if not key then
    error("fixtures: cannot compute cache key for " .. case .. "/" .. toolchain .. ":\n" .. out, 3)
  end
  return key
end

local checked = {}  -- "toolchain/case" -> true once verified in this process

--- Build (if stale) and return the paths of orig.o and patched.o.
function M.pair(case, toolchain)
  check_name("case", case)
  check_name("toolchain", toolchain)
  if not is_dir(case_dir(case) .. "/orig") then
    error("fixtures: no such case: " .. case, 2)
  end
  if not M.supports(case, toolchain) then
    error(("fixtures: case %s does not support toolchain %s"):format(case, toolchain), 2)
  end
  local outdir = M.build_root .. "/" .. toolchain .. "/" .. case
  local orig, patched = outdir .. "/orig.o", outdir .. "/patched.o"
  local id = toolchain .. "/" .. case
  if checked[id] then return orig, patched end

  local key = cache_key(case, toolchain)
  local stamp_path = outdir .. "/stamp"
  local stamp = read_file(stamp_path)
  if stamp and stamp:match("^(%x+)") == key
     and read_file(orig) and read_file(patched) then
    checked[id] = true
    return orig, patched
  end

  os.remove(stamp_path)
  local ok, out, code = run("sh " .. sh_quote(M.dir .. "/build.sh") .. " "
    .. sh_quote(case) .. " " .. sh_quote(toolchain) .. " " .. sh_quote(outdir))
  if not ok then
    error(("fixtures: building %s with %s failed (exit %s):\n%s")
      :format(case, toolchain, tostring(code), out), 2)
  end
  write_file(stamp_path, key .. "\n")
  checked[id] = true
  return orig, patched
end

return M
