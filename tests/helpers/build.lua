-- Test helper: builds small objects at test time into build/DIR, cached by
-- the command and the checksums of its sources.
local cli = require "helpers.cli"

local M = {}

local function sh(cmd)
  local p = assert(io.popen(cli.shell(cmd) .. " 2>&1"))
  local out = p:read("a")
  local _, _, status = p:close()
  assert(status == 0, cmd .. "\n" .. out)
  return out
end
M.sh = sh

M.ROOT = io.popen("pwd"):read("l")

--- Builds out (under dir) from sources with cmd, where $OUT is the file to
--- write, unless out was built by the same command from the same sources.
function M.build(dir, out, sources, cmd)
  local quoted = {}
  for i, src in ipairs(sources) do quoted[i] = cli.quote(src) end
  local key = cmd .. "\n" .. sh("cksum " .. table.concat(quoted, " "))
  if cli.slurp(out .. ".key") == key and cli.slurp(out) then return out end
  sh(("mkdir -p %s && ( %s ) && mv %s.tmp %s"):format(cli.quote(dir),
    cmd:gsub("%$OUT", cli.quote(out .. ".tmp")), cli.quote(out), cli.quote(out)))
  local f = assert(io.open(out .. ".key", "w"))
  f:write(key)
  f:close()
  return out
end

--- Writes text to path (creating its directory) unless it already holds it.
function M.write(path, text)
  if cli.slurp(path) == text then return path end
  sh("mkdir -p " .. cli.quote(path:match("^(.*)/")))
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
  return path
end

--- Compiles C sources (path -> text), each from its own directory so that its
--- FILE symbol is its basename, and links them with ld -r in the given order.
function M.link(dir, name, sources, order)
  local objs = {}
  for i, path in ipairs(order) do
    local src = M.write(dir .. "/src/" .. path, sources[path])
    local obj = ("%s/%s-%d.o"):format(dir, name, i)
    local srcdir, base = src:match("^(.*)/([^/]+)$")
    objs[i] = M.build(dir, obj, { src },
      ("cd %s && gcc -O2 -ffunction-sections -fdata-sections -c %s -o %s/$OUT"):format(cli.quote(srcdir),
        base, cli.quote(M.ROOT)))
  end
  return M.build(dir, ("%s/%s.o"):format(dir, name), objs, "ld -r -o $OUT " .. table.concat(objs, " "))
end

--- A linked image (vmlinux-like) of the two_files_statics sources that
--- links b.c before a.c, so that kallsyms order differs from the orig
--- object's symtab order.  Returns its path.
function M.two_files_image_b_first()
  local src = {}
  for _, f in ipairs { "a.c", "b.c" } do src[f] = cli.slurp("tests/fixtures/two_files_statics/orig/" .. f) end
  local ba = M.link("build/changes", "ba", src, { "b.c", "a.c" })
  return M.build("build/changes", "build/changes/vmlinux-ba", { ba },
    "ld.lld-19 --unresolved-symbols=ignore-all -e a_entry -o $OUT " .. ba)
end

return M
