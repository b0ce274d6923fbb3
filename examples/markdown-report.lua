-- markdown-report.lua: a report of its own, in Markdown, for a review
-- comment on a live-patch merge request: the counts, the functions whose
-- names the compiler changed, and what needs a human.
--
--   lua5.4 examples/markdown-report.lua ORIG PATCHED [POLICY]
local root = (arg[0]:match("^(.*)/examples/[^/]*$") or (arg[0]:match("^(.*)/[^/]*$") or ".") .. "/..")
package.path = root .. "/lua/?.lua;" .. root .. "/lua/?/init.lua;" .. package.path
package.cpath = root .. "/build/?.so;" .. package.cpath

local klp = require "klp"

if #arg < 2 or #arg > 3 then
  io.stderr:write("usage: lua5.4 markdown-report.lua ORIG PATCHED [POLICY]\n")
  os.exit(1)
end

local orig = assert(klp.open(arg[1]))
local patched = assert(klp.open(arg[2]))
local result = assert(klp.correlate(orig, patched, arg[3]))
local s = result:summary()

local function code(name) return "`" .. name:gsub("`", "'") .. "`" end

local out = {
  ("### klp: %s → %s (policy `%s`)"):format(code(arg[1]), code(arg[2]), result.policy.name),
  "",
  "| pairs | positional | only in orig | only in patched | ambiguous | clone changes |",
  "|---:|---:|---:|---:|---:|---:|",
  ("| %d | %d | %d | %d | %d | %d |"):format(s.pairs, s.positional, s.orig_only, s.patched_only,
    s.ambiguous, s.clone_changes),
}

local renamed = {}
for o, p, rule, evidence in result:pairs(true) do
  renamed[#renamed + 1] = ("| %s | %s | %s | %s |"):format(code(o.name), code(p.name), rule, evidence)
end
if #renamed > 0 then
  out[#out + 1] = ""
  out[#out + 1] = "#### Renamed by the compiler"
  out[#out + 1] = ""
  out[#out + 1] = "| original | patched | rule | evidence |"
  out[#out + 1] = "|---|---|---|---|"
  for _, row in ipairs(renamed) do out[#out + 1] = row end
end

local function list(title, syms)
  if #syms == 0 then return end
  out[#out + 1] = ""
  out[#out + 1] = "#### " .. title
  out[#out + 1] = ""
  for _, sym in ipairs(syms) do
    out[#out + 1] = ("- %s (%s %s%s)"):format(code(sym.name), sym.bind, sym.type, sym.file and (", " .. sym.file) or "")
  end
end
list("New", result:patched_only())
list("Removed", result:orig_only())

local todo = {}
for _, a in ipairs(result:ambiguities()) do
  local names = {}
  for i, c in ipairs(a.candidates) do names[i] = code(c.name) end
  todo[#todo + 1] = ("- [ ] %s %s: one of %s"):format(a.side, code(a.symbol.name), table.concat(names, ", "))
end
for _, cc in ipairs(result:clone_changes()) do
  todo[#todo + 1] = ("- [ ] clone kind changed: %s → %s"):format(code(cc.orig.name), code(cc.patched.name))
end
for _, f in ipairs(result:failures()) do todo[#todo + 1] = "- [ ] policy: " .. f end
if #todo > 0 then
  out[#out + 1] = ""
  out[#out + 1] = "#### Needs a human"
  out[#out + 1] = ""
  for _, t in ipairs(todo) do out[#out + 1] = t end
end
print(table.concat(out, "\n"))
