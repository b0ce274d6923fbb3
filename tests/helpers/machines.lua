-- Test helper: the pairs under tests/machines/CASE/{orig,patched}/*.c built
-- for each machine a distribution's live patches target, with Debian's gcc
-- and cross compilers, into build/machines/MACHINE/CASE/{orig,patched}.o
-- (cached by command and source checksums).
--
--   local machines = require "helpers.machines"
--   for _, m in ipairs(machines.all) do local o, p = machines.pair("callee_renamed", m) end
local B = require "helpers.build"
local cli = require "helpers.cli"

local M = {}

--- The machines, each {name =, cc =, flags =}: kernel-like flags (no unwind
--- tables; ppc64le modules reach data through the TOC, -mcmodel=large).
M.all = {
  { name = "x86_64", cc = "gcc", flags = "" },
  { name = "aarch64", cc = "aarch64-linux-gnu-gcc", flags = "" },
  { name = "ppc64le", cc = "powerpc64le-linux-gnu-gcc", flags = "-mcmodel=large" },
  { name = "s390x", cc = "s390x-linux-gnu-gcc", flags = "" },
}

--- The machine of that name.
function M.get(name)
  for _, m in ipairs(M.all) do if m.name == name then return m end end
  error("no machine " .. name, 2)
end

--- Builds one side of a case for machine m with extra flags (default
--- -ffunction-sections); returns the object's path.
function M.side(case, side, m, flags)
  flags = flags or "-ffunction-sections"
  local dir = ("tests/machines/%s/%s"):format(case, side)
  local sources = {}
  for name in io.popen("ls " .. cli.quote(dir)):lines() do
    if name:match("%.c$") then sources[#sources + 1] = name end
  end
  assert(#sources > 0, "no C sources in " .. dir)
  local tag = flags:gsub("[^%w]", "")
  local out = ("build/machines/%s/%s/%s%s.o"):format(m.name, case, side, tag ~= "" and ("-" .. tag) or "")
  local paths = {}
  for i, s in ipairs(sources) do paths[i] = dir .. "/" .. s end
  local objs = {}
  for i, s in ipairs(sources) do objs[i] = ("%s/%s/%s"):format(B.ROOT, out:match("^(.*)/"), side .. "-" .. s .. ".o") end
  local cmds = {}
  for i, s in ipairs(sources) do
    cmds[i] = ("(cd %s && %s -O2 %s %s -fno-asynchronous-unwind-tables -c %s -o %s)"):format(
      cli.quote(dir), m.cc, m.flags, flags, s, cli.quote(objs[i]))
  end
  local link = #objs == 1 and ("cp %s $OUT"):format(cli.quote(objs[1]))
    or ("ld -r -o $OUT %s"):format(table.concat(objs, " "))
  if #objs > 1 and m.name ~= "x86_64" then link = link:gsub("^ld ", m.cc:gsub("gcc$", "ld") .. " ") end
  return B.build(out:match("^(.*)/"), out, paths, "mkdir -p " .. cli.quote(out:match("^(.*)/")) .. " && "
    .. table.concat(cmds, " && ") .. " && " .. link)
end

--- The orig and patched objects of a case for machine m.
function M.pair(case, m, flags)
  return M.side(case, "orig", m, flags), M.side(case, "patched", m, flags)
end

--- The orig and patched programs of a case for machine m: each side's
--- objects linked into a static image with the compiler driver and ldflags
--- (such as "-Wl,--emit-relocs"); compiled with -fno-ipa-ra, so that a
--- caller's code does not follow its callee's register use.
function M.images(case, m, ldflags)
  local out = {}
  for _, side in ipairs { "orig", "patched" } do
    local obj = M.side(case, side, m, "-ffunction-sections -fno-ipa-ra")
    local tag = ldflags:gsub("[^%w]", "")
    local image = ("build/machines/%s/%s/%s%s.elf"):format(m.name, case, side, tag ~= "" and ("-" .. tag) or "")
    out[side] = B.build(image:match("^(.*)/"), image, { obj },
      ("%s -nostdlib -static %s -o $OUT %s"):format(m.cc, ldflags, cli.quote(obj)))
  end
  return out.orig, out.patched
end

return M
