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

-- The binutils of machine m: "" for the host's, else the cross prefix.
local function prefix(m)
  return m.cc:match("^(.*)gcc$") or ""
end

-- Compiles source src of a case's side for machine m with flags, from its
-- own directory (so that its FILE symbol is its name); returns the object.
local function compile(case, side, m, src, flags)
  local dir = ("tests/machines/%s/%s"):format(case, side)
  local outdir = ("build/machines/%s/%s"):format(m.name, case)
  local tag = flags:gsub("[^%w]", "")
  local out = ("%s/%s-%s%s.o"):format(outdir, side, src, tag ~= "" and ("-" .. tag) or "")
  return B.build(outdir, out, { dir .. "/" .. src },
    ("cd %s && %s -O2 %s %s -fno-asynchronous-unwind-tables -c %s -o %s/$OUT"):format(cli.quote(dir), m.cc,
      m.flags, flags, src, cli.quote(B.ROOT)))
end

--- Builds one side of a case for machine m with extra flags (default
--- -ffunction-sections): its sources compiled and linked with ld -r; returns
--- the object's path.
function M.side(case, side, m, flags)
  flags = flags or "-ffunction-sections"
  local dir = ("tests/machines/%s/%s"):format(case, side)
  local objs = {}
  for name in io.popen("ls " .. cli.quote(dir)):lines() do
    if name:match("%.c$") then objs[#objs + 1] = compile(case, side, m, name, flags) end
  end
  assert(#objs > 0, "no C sources in " .. dir)
  local tag = flags:gsub("[^%w]", "")
  local out = ("build/machines/%s/%s/%s%s.o"):format(m.name, case, side, tag ~= "" and ("-" .. tag) or "")
  local link = #objs == 1 and ("cp %s $OUT"):format(cli.quote(objs[1]))
    or ("%sld -r -o $OUT %s"):format(prefix(m), table.concat(objs, " "))
  return B.build(out:match("^(.*)/"), out, objs, link)
end

--- A relocatable object of a case's side linked from its objects in the
--- given order of their sources (names), with every FILE symbol stripped
--- (as Debian's modules have none); built with flags (default none: one
--- .text per source).
function M.linked_without_files(case, side, m, order, flags)
  flags = flags or ""
  local objs = {}
  for i, src in ipairs(order) do objs[i] = compile(case, side, m, src, flags) end
  local outdir = ("build/machines/%s/%s"):format(m.name, case)
  local out = ("%s/%s-%s-nofile.o"):format(outdir, side, table.concat(order, "-"):gsub("%.c", ""))
  local p = prefix(m)
  return B.build(outdir, out, objs, ("%sld -r -o $OUT.linked %s && %sobjcopy $(%sreadelf -sW $OUT.linked | "
    .. "awk '$4 == \"FILE\" && $8 != \"\" { printf \" --strip-symbol=%%s\", $8 }') $OUT.linked $OUT && rm $OUT.linked")
    :format(p, table.concat(objs, " "), p, p))
end

--- The orig and patched objects of a case for machine m.
function M.pair(case, m, flags)
  return M.side(case, "orig", m, flags), M.side(case, "patched", m, flags)
end

--- The orig and patched programs of a case for machine m: each side's
--- objects linked into a static image with the compiler driver and ldflags
--- (such as "-Wl,--emit-relocs"); compiled with cflags, by default
--- -ffunction-sections -fno-ipa-ra (so that a caller's code does not follow
--- its callee's register use; clang has no such option).
function M.images(case, m, ldflags, cflags)
  local out = {}
  for _, side in ipairs { "orig", "patched" } do
    local obj = M.side(case, side, m, cflags or "-ffunction-sections -fno-ipa-ra")
    local tag = ldflags:gsub("[^%w]", "")
    local image = ("build/machines/%s/%s/%s%s.elf"):format(m.name, case, side, tag ~= "" and ("-" .. tag) or "")
    out[side] = B.build(image:match("^(.*)/"), image, { obj },
      ("%s -nostdlib -static %s -o $OUT %s"):format(m.cc, ldflags, cli.quote(obj)))
  end
  return out.orig, out.patched
end

return M
