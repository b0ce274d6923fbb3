-- Builds a pair of build trees from the fixture object pairs, for tree mode:
--
--   local tree = require "helpers.tree"
--   local t = tree.build()   -- {orig =, patched =, changed = {rel...}, identical, orig_only,
--                            --  patched_only, skipped, broken}
--
-- Under build/tree/{orig,patched}, rebuilt on every call (copies only):
--   cases/<toolchain>/<case>.o  every fixture pair: orig.o | patched.o
--   same/<case>.ko              orig.o on both sides (byte-identical)
--   gone/<case>.o               orig side only;  added/<case>.ko  patched side only
--   broken/truncated.o          patched side cut after 200 bytes
--   lto/unit.o                  LLVM bitcode (clang -flto=thin -c), different per side
--   notes.txt, cases/.cmd       not objects; `loop` a symlink back to the root
local fixtures = require "helpers.fixtures"
local cli = require "helpers.cli"

local M = {}

M.root = "build/tree"

local function sh(cmd)
  local p = assert(io.popen(cli.shell(cmd) .. " 2>&1; echo \"rc=$?\""))
  local out = p:read("a")
  p:close()
  local body, rc = out:match("^(.-)rc=(%d+)%s*$")
  assert(rc == "0", cmd .. "\n" .. tostring(body))
  return body
end

local function copy(from, to)
  sh(("mkdir -p %s && cp %s %s"):format(cli.quote(to:match("^(.*)/")), cli.quote(from), cli.quote(to)))
end

local function write(path, text)
  sh(("mkdir -p %s"):format(cli.quote(path:match("^(.*)/"))))
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

local function same_bytes(a, b)
  return cli.slurp(a) == cli.slurp(b)
end

--- Builds the two trees; returns their roots and what tree mode must find.
function M.build()
  local o, p = M.root .. "/orig", M.root .. "/patched"
  sh(("rm -rf %s && mkdir -p %s %s"):format(cli.quote(M.root), cli.quote(o), cli.quote(p)))
  local t = { orig = o, patched = p, changed = {}, identical = {}, orig_only = {}, patched_only = {},
              skipped = {}, broken = {} }
  local extra = {}
  for _, case in ipairs(fixtures.cases()) do
    for _, tc in ipairs(fixtures.toolchains(case)) do
      local a, b = fixtures.pair(case, tc)
      local rel = ("cases/%s/%s.o"):format(tc, case)
      copy(a, o .. "/" .. rel)
      copy(b, p .. "/" .. rel)
      table.insert(same_bytes(a, b) and t.identical or t.changed, rel)
      if tc == "gcc" then extra[#extra + 1] = { case = case, orig = a } end
    end
  end
  for i = 1, 5 do
    local rel = ("same/%s.ko"):format(extra[i].case)
    copy(extra[i].orig, o .. "/" .. rel)
    copy(extra[i].orig, p .. "/" .. rel)
    t.identical[#t.identical + 1] = rel
  end
  for i = 6, 8 do
    local rel = ("gone/%s.o"):format(extra[i].case)
    copy(extra[i].orig, o .. "/" .. rel)
    t.orig_only[#t.orig_only + 1] = rel
  end
  for i = 9, 10 do
    local rel = ("added/%s.ko"):format(extra[i].case)
    copy(extra[i].orig, p .. "/" .. rel)
    t.patched_only[#t.patched_only + 1] = rel
  end
  copy(extra[1].orig, o .. "/broken/truncated.o")
  write(p .. "/broken/truncated.o", cli.slurp(extra[1].orig):sub(1, 200))
  t.broken[1] = "broken/truncated.o"
  for _, side in ipairs { { o, 1 }, { p, 2 } } do
    write(side[1] .. "/lto/unit.c", ("int unit(int x) { return x + %d; }\n"):format(side[2]))
    sh(("cd %s/lto && clang-19 -O2 -flto=thin -c unit.c -o unit.o && rm unit.c"):format(cli.quote(side[1])))
    write(side[1] .. "/notes.txt", "not an object\n")
    write(side[1] .. "/cases/.cmd", "cmd_x := true\n")
    sh(("ln -s .. %s/loop"):format(cli.quote(side[1])))
  end
  t.skipped[1] = "lto/unit.o"
  for _, list in pairs(t) do
    if type(list) == "table" then table.sort(list) end
  end
  return t
end

return M
