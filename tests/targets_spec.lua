-- What real kernels look like beyond x86_64 relocatables: ELF32, big endian,
-- other machines, linked images and shared objects, more than 65,535 sections,
-- and locals before the first FILE symbol.  Built at test time into build/targets.
local C = require "helpers.correlation"
local cli = require "helpers.cli"

local OUT = "build/targets"

local B = require "helpers.build"

local function build(out, sources, cmd)
  return B.build(OUT, out, sources, cmd)
end

local ROOT = B.ROOT

-- tests/targets/SIDE/t.c: both sides have the same FILE symbol, t.c.
local function source(side)
  return "tests/targets/" .. side .. "/t.c"
end

-- The command compiling one side with clang-19 into $OUT (made absolute).
local function compile(side, flags)
  return ("cd tests/targets/%s && clang-19 %s -O2 -ffunction-sections -c t.c -o %s/$OUT")
    :format(side, flags, cli.quote(ROOT))
end

-- An orig/patched pair of tests/targets/*/t.c for a clang target, linked with
-- `link` ("" for relocatable objects, else ld.lld flags).
local function pair(target, link)
  local tag = target .. (link ~= "" and ("-" .. link:gsub("%W", "")) or "")
  local out = {}
  for _, side in ipairs { "orig", "patched" } do
    local obj = build(("%s/%s-%s.o"):format(OUT, target, side), { source(side) },
      compile(side, "--target=" .. target .. " -fdata-sections -fno-asynchronous-unwind-tables"))
    out[side] = link == "" and obj or build(("%s/%s-%s.elf"):format(OUT, tag, side), { obj },
      ("ld.lld-19 %s -o $OUT %s"):format(link, obj))
  end
  return out.orig, out.patched
end

local targets = {
  { "i386-linux-gnu", "ELF32, little endian", 32, "i386" },
  { "powerpc64-linux-gnu", "big endian", 64, "ppc64" },
  { "s390x-linux-gnu", "big endian", 64, "s390" },
  { "aarch64-linux-gnu", "mapping symbols", 64, "aarch64" },
  { "riscv64-linux-gnu", "mapping symbols", 64, "riscv" },
  { "loongarch64-linux-gnu", "", 64, "loongarch" },
}

describe("other machines", function()
  for _, t in ipairs(targets) do
    local target, what, class, machine = t[1], t[2], t[3], t[4]
    it(("correlates %s relocatables (%s)"):format(target, what), function()
      local r = C.run(pair(target, ""))
      local info = r.result.orig:info()
      assert.are.same({ class, machine, "rel" }, { info.class, info.machine, info.type })
      assert.are.equal("helper@t.c", r.pairs["helper@t.c"] and r.pairs["helper@t.c"].to
        or error("helper unpaired"))
      assert.are.equal("counter@t.c", r.pairs["counter@t.c"].to)
      assert.are.equal("api", r.pairs["api"].to)
      assert.are.same({ api_v2 = true }, r.patched_only)
      assert.are.same({}, r.orig_only)
      assert.are.equal(0, r.summary.ambiguous + r.summary.positional)
    end)
  end
end)

describe("linked images", function()
  for _, link in ipairs { { "-e _start_fn", "exec" }, { "-shared", "dyn" } } do
    for _, target in ipairs { "x86_64-linux-gnu", "aarch64-linux-gnu" } do
      it(("correlates %s %s images"):format(target, link[2]), function()
        local o, p = pair(target, link[1])
        local r = C.run(o, p)
        assert.are.equal(link[2], r.result.orig:info().type)
        assert.are.equal("helper@t.c", r.pairs["helper@t.c"].to)
        assert.are.equal("api", r.pairs["api"].to)
        assert.is_true(r.patched_only["api_v2"])
        assert.are.equal(0, r.summary.ambiguous + r.summary.positional + r.summary.orig_only)
      end)
    end
  end
end)

describe("layouts", function()
  -- An object of one FILE whose local functions, one per (section, value)
  -- of entries (each "movl $value, %eax; ret" in .text.SECTION), are all
  -- named f: written as f_NNNNN and renamed in .strtab only.
  local function same_named(name, entries)
    local s = ("%s/%s.s"):format(OUT, name)
    local f = assert(io.open(s, "w"))
    f:write('.file "big.c"\n')
    for k, e in ipairs(entries) do
      f:write(('.section .text.%s,"ax",@progbits\n.type f_%05d,@function\nf_%05d:\nmovl $%d, %%eax\nret\n'
        .. '.size f_%05d, .-f_%05d\n'):format(e[1], k, k, e[2], k, k))
    end
    f:close()
    local raw = build(s:gsub("%.s$", ".o"), { s }, "as --64 -o $OUT " .. cli.quote(s))
    f = assert(io.open(raw, "rb"))
    local data = f:read("a")
    f:close()
    local out = raw:gsub("%.o$", "-renamed.o")
    f = assert(io.open(out, "wb"))
    f:write((data:gsub("f_%d%d%d%d%d%z", "f\0xxxxx\0")))
    f:close()
    return out
  end

  it("pairs by position only among equal contents while one is free", function()
    -- Two copies of one function on each side (a, b; c, d) and one other
    -- each (x, changed into y): position alone would pair a with y.  The
    -- copies are identical (either choice gives the same code); x and y
    -- are what is left.
    local o = same_named("ties-orig", { { "a", 1 }, { "b", 1 }, { "x", 3 } })
    local p = same_named("ties-patched", { { "y", 5 }, { "c", 1 }, { "d", 1 } })
    local got = {}
    for op, pp, _, evidence in C.run(o, p).result:pairs() do
      got[#got + 1] = ("%s-%s %s"):format(op.section, pp.section, evidence)
    end
    table.sort(got)
    assert.are.same({ ".text.a-.text.c identical", ".text.b-.text.d identical", ".text.x-.text.y unique" }, got)
  end)

  it("pairs 6,000 same-named statics of one file by their contents, not by position", function()
    -- A group of 6,000 x 6,000 candidates is too large to compare pairwise:
    -- split by digest, each static pairs with the one of its contents.
    -- The patched side lists them in reverse, so position would be wrong.
    local n, objs = 6000, {}
    for _, side in ipairs { "orig", "patched" } do
      local entries = {}
      for k = 1, n do
        local i = side == "orig" and k or n + 1 - k
        entries[k] = { ("s_%05d"):format(i), i }
      end
      objs[side] = same_named("statics-" .. side, entries)
    end
    local r = C.run(objs.orig, objs.patched)
    assert.are.same({ n, 0, 0 }, { r.summary.pairs, r.summary.ambiguous, r.summary.positional })
    local wrong = 0
    for o, p, _, evidence in r.result:pairs() do
      assert.are.equal("f", o.name)
      if o.section ~= p.section or evidence ~= "digest" then wrong = wrong + 1 end
    end
    assert.are.equal(0, wrong)
  end)

  -- A C file of n static functions of distinct bodies in one .text, built
  -- with gcc (once: cached), then every name rewritten in .strtab by
  -- rename(i) (8 bytes for "f_NNNNN\0").
  local function generated(n, tag, rename)
    local lines = {}
    for i = 1, n do
      lines[i] = ("static __attribute__((used, noinline)) int f_%05d(int x) { return x * %d + %d; }"):format(i, i, 7 * i)
    end
    local c = B.write(OUT .. "/generated.c", table.concat(lines, "\n") .. "\n")
    local o = B.build(OUT, OUT .. "/generated.o", { c }, "gcc -O0 -c -o $OUT " .. cli.quote(c))
    local f = assert(io.open(o, "rb"))
    local data = f:read("a")
    f:close()
    local out = ("%s/generated-%s.o"):format(OUT, tag)
    f = assert(io.open(out, "wb"))
    f:write((data:gsub("f_(%d%d%d%d%d)%z", function(i) return rename(tonumber(i)) end)))
    f:close()
    return out
  end

  it("pairs 20,000 same-named statics of gcc's one .text with themselves, and with a renumbered copy", function()
    local n = 20000
    local one = generated(n, "one", function() return "f\0xxxxx\0" end)
    local renumbered = generated(n, "renumbered", function(i) return ("f.%05d\0"):format(n + 1 - i) end)
    for _, p in ipairs { one, renumbered } do
      local r = C.run(one, p)
      assert.are.same({ n, 0, 0 }, { r.summary.pairs, r.summary.ambiguous, r.summary.positional })
      local wrong = 0
      for os, ps, _, evidence in r.result:pairs() do
        if os.value ~= ps.value or evidence ~= "digest" then wrong = wrong + 1 end
      end
      assert.are.equal(0, wrong)
    end
  end)

  it("reads more than 65,535 sections through SHN_XINDEX", function()
    local n = 70000
    local objs = {}
    for _, side in ipairs { "orig", "patched" } do
      local s = ("%s/many-%s.s"):format(OUT, side)
      local f = assert(io.open(s, "w"))
      f:write('.file "many.c"\n')
      for i = 1, n do
        -- The patch renames the last function; every other one is unchanged.
        local name = (side == "patched" and i == n) and "renamed_fn" or ("fn_" .. i)
        f:write(('.section .text.%s,"ax",@progbits\n.type %s,@function\n%s:\n.byte 0xc3\n.size %s,1\n')
          :format(name, name, name, name))
      end
      f:write('.section .text.entry,"ax",@progbits\n.globl entry\n.type entry,@function\nentry:\n.byte 0xc3\n.size entry,1\n')
      f:close()
      objs[side] = build(s:gsub("%.s$", ".o"), { s }, "as --64 -o $OUT " .. cli.quote(s))
    end
    local r = C.run(objs.orig, objs.patched)
    local info = r.result.orig:info()
    assert.is_true(info.sections > 65535)
    assert.are.equal("fn_69999@many.c", r.pairs["fn_69999@many.c"].to)
    local last
    for sym in r.result.orig:symbols() do if sym.name == "fn_69999" then last = sym end end
    assert.is_true(last.shndx > 65535)
    assert.matches("^%.text%.fn_69999$", last.section)
    assert.are.equal(n, r.summary.pairs)
    assert.are.same({ ["fn_70000@many.c"] = true }, r.orig_only)
    assert.are.same({ ["renamed_fn@many.c"] = true }, r.patched_only)
  end)

  it("ties locals before the first FILE symbol to no file, and pairs them", function()
    local objs = {}
    for _, side in ipairs { "orig", "patched" } do
      local s = OUT .. "/nofile.s"
      local f = assert(io.open(s, "w"))
      f:write(".text\n.type early_local,@function\nearly_local: ret\n.size early_local,1\n")
      f:close()
      local early = build(OUT .. "/nofile.o", { s }, "as --64 -o $OUT " .. cli.quote(s))
      local c = build(("%s/x86-%s.o"):format(OUT, side), { source(side) }, compile(side, ""))
      objs[side] = build(("%s/early-%s.o"):format(OUT, side), { early, c },
        ("ld.lld-19 -r -o $OUT %s %s"):format(early, c))
    end
    local r = C.run(objs.orig, objs.patched)
    local first
    for sym in r.result.orig:symbols() do first = first or sym end
    assert.are.equal("early_local", first.name)
    assert.is_nil(first.file)
    assert.are.equal("early_local", r.pairs["early_local"].to)
    assert.are.equal("helper@t.c", r.pairs["helper@t.c"].to)
  end)
end)
