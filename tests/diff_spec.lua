-- --diff NAME: a function's instructions in both objects, decoded with
-- Capstone, references written as symbol+offset, aligned as a unified diff.
-- Fixtures (tests/diff/) are built at test time into build/diff with gcc and
-- the Debian cross compilers, as, and clang-19 for a machine Capstone 4 lacks.
local B = require "helpers.build"
local cli = require "helpers.cli"
local cjson = require "cjson"
local klp = require "klp"

local OUT = "build/diff"
local ROOT = B.ROOT

-- tests/diff/DIR/SIDE/FILE compiled by `compiler` into build/diff/TAG-SIDE.o
-- (from its own directory, so both sides have the same FILE symbol).
local function build(dir, file, tag, compiler)
  local out = {}
  for _, side in ipairs { "orig", "patched" } do
    local src = ("tests/diff/%s/%s/%s"):format(dir, side, file)
    local obj = ("%s/%s-%s.o"):format(OUT, tag, side)
    out[side] = B.build(OUT, obj, { src },
      ("cd tests/diff/%s/%s && %s -o %s/$OUT %s"):format(dir, side, compiler, cli.quote(ROOT), file))
  end
  return out.orig, out.patched
end

local ARCHES = {
  { "x86_64", "gcc -O2 -ffunction-sections -c" },
  { "aarch64", "aarch64-linux-gnu-gcc -O2 -ffunction-sections -c" },
  { "ppc64le", "powerpc64le-linux-gnu-gcc -O2 -ffunction-sections -mcmodel=large -c" },
  { "s390x", "s390x-linux-gnu-gcc -O2 -ffunction-sections -c" },
}

local function pair(arch)
  for _, a in ipairs(ARCHES) do
    if a[1] == arch then return build(".", "d.c", a[1], a[2]) end
  end
  error("no arch " .. arch)
end

-- `klp --diff NAME... [--format json] ORIG PATCHED`; JSON decoded.
local function diff(orig, patched, names, json)
  local args = {}
  for _, n in ipairs(names) do
    args[#args + 1] = "--diff"
    args[#args + 1] = n
  end
  if json then
    args[#args + 1] = "--format"
    args[#args + 1] = "json"
  end
  args[#args + 1] = orig
  args[#args + 1] = patched
  local r = cli.run(args)
  if json and r.status == 0 then r.doc = cjson.decode(r.stdout) end
  return r
end

local function changed_rows(d)
  local out = {}
  for _, row in ipairs(d.lines) do
    if row.op ~= " " then out[#out + 1] = row end
  end
  return out
end

local function context_rows(d)
  local out = {}
  for _, row in ipairs(d.lines) do
    if row.op == " " then out[#out + 1] = row end
  end
  return out
end

describe("--diff on a changed function", function()
  for _, a in ipairs(ARCHES) do
    local arch = a[1]
    it(("shows the changed instructions of compute and nothing else (%s)"):format(arch), function()
      local o, p = pair(arch)
      local r = diff(o, p, { "compute" }, true)
      assert.are.equal(0, r.status, r.stderr)
      assert.are.equal(1, #r.doc.diffs)
      local d = r.doc.diffs[1]
      assert.are.equal("changed", d.status)
      local targets, bytes = 0, 0
      local rows = changed_rows(d)
      for i, row in ipairs(rows) do
        -- Changed lines come in pairs: - then +, each naming the other's offset.
        local other = row.op == "-" and rows[i + 1] or rows[i - 1]
        assert.are.equal(row.op == "-" and "+" or "-", other.op)
        assert.are.equal(row.why, other.why)
        if row.why == "target" then
          assert.matches(row.op == "-" and "helper_old%+0" or "helper_new%+0", row.text)
          if row.op == "-" then targets = targets + 1 end
        else
          -- The only other change: the constant 17 (0x11) became 23 (0x17).
          assert.are.equal("bytes", row.why)
          assert.matches(row.op == "-" and "0x11" or "0x17", row.text)
          if row.op == "-" then bytes = bytes + 1 end
        end
        if row.op == "-" then assert.are.equal(other.patched_offset, row.patched_offset) end
      end
      assert.is_true(targets >= 1 and bytes >= 1, ("%d target and %d bytes changes"):format(targets, bytes))
      -- Context lines read the same on both sides.
      local ctx = context_rows(d)
      assert.are.equal(d.orig.instructions, #ctx + #rows / 2)
      for _, row in ipairs(ctx) do
        assert.is_nil(row.patched_text, row.text)
        assert.is_nil(row.text:match("0x%x%x%x%x%x%x+"), row.text) -- no raw addresses
      end
    end)
  end

  it("prints a unified diff with the changed lines marked by why (x86_64)", function()
    local o, p = pair("x86_64")
    local r = diff(o, p, { "compute" })
    assert.are.equal(0, r.status, r.stderr)
    local lines = {}
    for l in r.stdout:gmatch("[^\n]*") do lines[#lines + 1] = l end
    assert.matches("^%-%-%- orig compute\t%.text%.compute, %d+ bytes, %d+ instructions$", lines[1])
    assert.matches("^%+%+%+ patched compute\t", lines[2])
    assert.matches("^@@ %-%d+,%d+ %+%d+,%d+ @@ compute%+0x%x+$", lines[3])
    assert.matches("\n%-%s+0x%x+%s+call%s+helper_old%+0   ; target\n%+%s+0x%x+%s+call%s+helper_new%+0   ; target\n",
      r.stdout)
    assert.matches("\n%-[^\n]*0x11[^\n]*; bytes\n%+[^\n]*0x17[^\n]*; bytes\n", r.stdout)
    -- Context rows show both offsets; no - or + row without a reason.
    for _, l in ipairs(lines) do
      if l:match("^[-+] ") then assert.matches("; %a+$", l) end
    end
  end)
end)

describe("--diff references", function()
  it("shows a static callee renamed through its section symbol as a changed target with both names", function()
    for _, arch in ipairs { "x86_64", "aarch64", "s390x" } do
      local o, p = pair(arch)
      if arch ~= "s390x" then -- s390x gas keeps the local symbol
        -- The calls are relocated against .text.twice_old, the section symbol.
        local relocs = B.sh("objdump -r " .. cli.quote(o))
        assert.matches("%.text%.twice_old", relocs:match("RELOCATION RECORDS FOR %[%.text%.scale%]:.-\n\n"))
      end
      local d = diff(o, p, { "scale" }, true).doc.diffs[1]
      local rows = changed_rows(d)
      assert.are.equal(4, #rows, arch)
      for _, row in ipairs(rows) do
        assert.are.equal("target", row.why)
        assert.matches(row.op == "-" and "twice_old%+0" or "twice_new%+0", row.text)
      end
    end
  end)

  it("writes a RIP-relative operand followed by an immediate as its true target (x86_64)", function()
    local o, p = pair("x86_64")
    local d = diff(o, p, { "compute" }, true).doc.diffs[1]
    -- cmp dword ptr [rip + X], 7: the field sits 5 bytes before the end; table[3] is table+0xc.
    assert.are.equal("cmp     dword ptr [rip + table+0xc], 7", d.lines[1].text)
  end)

  it("says nothing differs in an unchanged function", function()
    for _, a in ipairs(ARCHES) do
      local o, p = pair(a[1])
      local r = diff(o, p, { "stable" })
      assert.are.equal(0, r.status, r.stderr)
      assert.matches("== no instruction differs %(%d+ instructions; status same%)", r.stdout)
      local d = diff(o, p, { "stable" }, true).doc.diffs[1]
      assert.are.equal(0, d.changed_lines)
      for _, row in ipairs(d.lines) do
        assert.are.equal(" ", row.op)
        assert.is_nil(row.patched_text)
      end
    end
  end)
end)

describe("--diff branches inside a function", function()
  local o, p = build("asm", "j.s", "asm", "as --64")

  it("keeps a branch whose code moved as context, both sides on the same label", function()
    local d = diff(o, p, { "spin" }, true).doc.diffs[1]
    local rows = changed_rows(d)
    assert.are.equal(1, #rows)
    assert.are.same({ "+", "added", "mov     ecx, edi" }, { rows[1].op, rows[1].why, rows[1].text })
    local jne, target
    for _, row in ipairs(d.lines) do
      if row.text:match("^jne") then jne = row end
      if row.label ~= cjson.null then target = row end
    end
    assert.are.same({ " ", "jne     .L1" }, { jne.op, jne.text })
    assert.are.equal(".L1", target.label)
    assert.matches("^add", target.text)
    assert.are_not.equal(jne.orig_offset, jne.patched_offset)
  end)

  it("shows a branch that reaches another instruction as a changed target", function()
    local d = diff(o, p, { "pick" }, true).doc.diffs[1]
    local rows = changed_rows(d)
    assert.are.equal(2, #rows)
    assert.are.same({ "-", "target", "je      .L2" }, { rows[1].op, rows[1].why, rows[1].text })
    assert.are.same({ "+", "target", "je      .L1" }, { rows[2].op, rows[2].why, rows[2].text })
  end)

  it("compares nops of any length as equal (padding)", function()
    local d = diff(o, p, { "pad" }, true).doc.diffs[1]
    assert.are.equal(0, d.changed_lines)
    -- The context row shows orig's text; JSON adds patched's where it reads otherwise.
    assert.are.same({ "nop     dword ptr [rax]", "nop     dword ptr [rax + rax]" },
      { d.lines[2].text, d.lines[2].patched_text })
    assert.are_not.equal(d.orig.size, d.patched.size)
  end)

  it("records undecodable bytes as (bad) and goes on", function()
    local d = diff(o, p, { "junk" }, true).doc.diffs[1]
    local texts = {}
    for i, row in ipairs(d.lines) do texts[i] = row.text end
    assert.are.same({ "(bad)", "ret" }, texts)
  end)
end)

describe("--diff without -ffunction-sections", function()
  local o, p = build("shared", "s.c", "shared", "gcc -O2 -c")

  it("resolves a call with no relocation to callee+0 (x86_64)", function()
    -- No relocation in .text at all: gas resolved the calls to the static callee.
    assert.is_nil(B.sh("objdump -r " .. cli.quote(o)):match("RELOCATION RECORDS FOR %[%.text%]"))
    local orig = assert(klp.open(o))
    local res = assert(klp.correlate(orig, assert(klp.open(p))))
    local caller = res.correlator:lookup("orig", "caller")[1]
    local sym = orig:symbol(caller)
    local insns = assert(res.correlator:decode("orig", sym.shndx, sym.value, sym.size))
    local calls = {}
    for _, insn in ipairs(insns) do
      if insn.kind == "call" then calls[#calls + 1] = insn end
    end
    assert.are.equal(2, #calls)
    local callee = orig:symbol(res.correlator:lookup("orig", "callee")[1])
    for _, call in ipairs(calls) do
      local op = call.operands[1]
      assert.are.same({ "target", callee.value, 1, 4, false },
        { op.kind, op.value, op.field_offset, op.field_size, op.memory })
    end
    -- caller moved after first() grew: its bytes changed, its instructions did not.
    local d = diff(o, p, { "caller" }, true).doc.diffs[1]
    assert.are.equal("same", d.status)
    assert.are.equal(0, d.changed_lines)
    assert.are.equal("call    callee+0", d.lines[1].text)
    assert.are_not.equal(d.lines[1].orig_offset + sym.value, d.lines[1].patched_offset
      + res.patched:symbol(res.correlator:lookup("patched", "caller")[1]).value)
  end)
end)

describe("--diff on other layouts", function()
  -- tests/targets/SIDE/t.c (targets_spec's pair): helper multiplies by 3, then by 5.
  local function targets_pair(target, link)
    local out = {}
    for _, side in ipairs { "orig", "patched" } do
      local obj = B.build(OUT, ("%s/t-%s-%s.o"):format(OUT, target, side), { "tests/targets/" .. side .. "/t.c" },
        ("cd tests/targets/%s && clang-19 --target=%s -O2 -ffunction-sections -c t.c -o %s/$OUT")
          :format(side, target, cli.quote(ROOT)))
      out[side] = link and B.build(OUT, ("%s/t-%s-%s.elf"):format(OUT, target, side), { obj },
        "ld.lld-19 " .. link .. " -o $OUT " .. obj) or obj
    end
    return out.orig, out.patched
  end

  it("follows a ppc64 ELFv1 function descriptor in .opd to its code (powerpc64, big endian)", function()
    local o, p = targets_pair("powerpc64-linux-gnu")
    local d = diff(o, p, { "helper" }, true).doc.diffs[1]
    assert.are.equal(".text.helper", d.orig.section)
    local rows = changed_rows(d)
    assert.are.equal(2, #rows)
    assert.are.same({ "bytes", "mulli   r3, r3, 3", "mulli   r3, r3, 5" }, { rows[1].why, rows[1].text, rows[2].text })
    assert.are.equal("addis   r4, r2, counter+0@ha", d.lines[1].text)
  end)

  it("shows what an address holds in a linked image read by address (x86_64)", function()
    local machines = require "helpers.machines"
    local o, p = machines.images("image_refs", machines.get("x86_64"), "")
    local d = diff(o, p, { "show" }, true).doc.diffs[1]
    assert.are.equal("changed", d.status)
    local rows = changed_rows(d)
    assert.are.same({ "target", "lea     rdi, [rip + \"OldText\"]", "lea     rdi, [rip + \"NewText\"]" },
      { rows[1].why, rows[1].text, rows[2].text })
  end)

  it("completes an adrp without relocation with its :lo12: half (aarch64 linked image)", function()
    local o, p = targets_pair("aarch64-linux-gnu", "-e _start_fn")
    local d = diff(o, p, { "helper" }, true).doc.diffs[1]
    assert.are.equal("changed", d.status) -- read by address: its multiplier changed
    assert.are.equal("adrp    x8, counter+0", d.lines[1].text)
    local lo12
    for _, row in ipairs(d.lines) do lo12 = lo12 or row.text:match(":lo12:counter%+0") end
    assert.truthy(lo12)
    assert.are.equal(2, d.changed_lines)
  end)
end)

describe("--diff JSON", function()
  it("has the klp-diff/1 shape", function()
    local o, p = pair("x86_64")
    local r = diff(o, p, { "compute", "helper_new" }, true)
    assert.are.equal(0, r.status, r.stderr)
    local doc = r.doc
    assert.are.equal("klp-diff/1", doc.format)
    assert.are.same({ o, p }, { doc.orig, doc.patched })
    assert.are.equal(2, #doc.diffs)
    local d = doc.diffs[1]
    local keys = {}
    for k in pairs(d) do keys[#keys + 1] = k end
    table.sort(keys)
    assert.are.same({ "changed_lines", "lines", "name", "orig", "patched", "status", "truncated" }, keys)
    assert.are.same({ "compute", "changed", false }, { d.name, d.status, d.truncated })
    assert.are.same({ "compute", ".text.compute" }, { d.orig.name, d.orig.section })
    assert.is_number(d.orig.index)
    assert.is_number(d.orig.size)
    assert.are.equal(#d.lines - d.changed_lines / 2, d.orig.instructions)
    for _, row in ipairs(d.lines) do
      for k in pairs(row) do
        assert.truthy(({ op = 1, orig_offset = 1, patched_offset = 1, text = 1, why = 1, label = 1,
                         patched_text = 1 })[k], k)
      end
      if row.op == " " then
        assert.are.same({ cjson.null, "number", "number" }, { row.why, type(row.orig_offset), type(row.patched_offset) })
      else
        assert.is_string(row.why)
      end
    end
    -- A function on one side only is diffed against nothing.
    local new = doc.diffs[2]
    assert.are.same({ "helper_new", "new", cjson.null }, { new.name, new.status, new.orig })
    for _, row in ipairs(new.lines) do
      assert.are.same({ "+", "added", cjson.null }, { row.op, row.why, row.orig_offset })
    end
  end)
end)

describe("--diff errors", function()
  it("names a NAME that matches no function", function()
    local o, p = pair("x86_64")
    local r = diff(o, p, { "compute", "no_such_fn" })
    assert.are.equal(1, r.status)
    assert.are.equal("", r.stdout)
    assert.matches("^klp: %-%-diff no_such_fn: no function of that name or key in ", r.stderr)
  end)

  it("says a machine Capstone lacks is not supported by the disassembler (riscv64)", function()
    local o, p = build(".", "d.c", "riscv64", "clang-19 --target=riscv64-linux-gnu -O2 -ffunction-sections -c")
    local r = diff(o, p, { "compute" })
    assert.are.equal(1, r.status)
    assert.matches("^klp: [^\n]*riscv64%-orig%.o: machine riscv is not supported by the disassembler %(Capstone [%d.]+ has no decoder for it%)\n$",
      r.stderr)
  end)

  it("refuses --diff in tree mode and with --why", function()
    local o, p = pair("x86_64")
    local r = cli.run { "--diff", "compute", "tests", "tests" }
    assert.are.equal(1, r.status)
    assert.matches("%-%-diff applies to one object pair", r.stderr)
    r = cli.run { "--diff", "compute", "--why", "compute", o, p }
    assert.are.equal(1, r.status)
    assert.matches("give one of them", r.stderr)
  end)
end)
