-- What a reference points at, on every machine live patches target: a
-- function whose only change is where its code points (another callee, other
-- text) changed, and is in the list a live patch is built from.
local B = require "helpers.build"
local C = require "helpers.correlation"
local machines = require "helpers.machines"

-- The change lists of a pair as sorted names per kind (empty kinds left out).
local function changes(orig, patched)
  local out = {}
  for kind, rows in pairs(C.run(orig, patched).result:changes()) do
    if #rows > 0 then
      local names = {}
      for i, row in ipairs(rows) do names[i] = row.name end
      table.sort(names)
      out[kind] = names
    end
  end
  return out
end

describe("a call to a renamed callee", function()
  for _, m in ipairs(machines.all) do
    -- The wrapper's bytes are identical; its call's relocation goes through
    -- the callee's section symbol (on aarch64 its first symbol is the size-0
    -- mapping symbol $x, the same on both sides) or names the callee.
    it(("changes the caller (%s)"):format(m.name), function()
      assert.are.same({
        changed_functions = { "__wrap_sys_foo" },
        new_functions = { "__patched_do_sys_foo" },
        removed_functions = { "__do_sys_foo" },
      }, changes(machines.pair("callee_renamed", m)))
    end)
  end
end)

describe("a change in a branch's register or tested bit only", function()
  for _, m in ipairs(machines.all) do
    -- Decoded, the branch's target field is cleared (on AArch64 and ppc64le
    -- its whole word): the register and tbz's bit number still count.
    it(("changes the function (%s)"):format(m.name), function()
      assert.are.same({ changed_functions = { "test_bit", "test_reg" } }, changes(machines.pair("branch_register", m)))
    end)
  end
end)

describe("a string-only change", function()
  for _, m in ipairs(machines.all) do
    -- ppc64le (-mcmodel=large) loads the string's address from a .toc slot,
    -- whose own relocation points at the text.
    it(("changes only the function printing it (%s)"):format(m.name), function()
      assert.are.same({ changed_functions = { "show_state" } }, changes(machines.pair("string_only", m)))
    end)
  end
end)

describe("a linked image", function()
  for _, m in ipairs(machines.all) do
    -- Everything after grows moved; relocated fields hold other addresses.
    it(("with its relocations reports exactly the function that changed (%s)"):format(m.name), function()
      local o, p = machines.images("image_grows", m, "-Wl,--emit-relocs")
      local r = C.run(o, p)
      assert.are.same({ true }, { r.result:compares_content() })
      assert.are.same({ changed_functions = { "grows" } }, changes(o, p))
      assert.are.equal("same", r.result:status(r.result.orig:symbol(r.result:named("orig", "after")[1].index)))
    end)
  end

  for _, m in ipairs(machines.all) do
    -- No relocation says what an address is: decoded, code counts each by
    -- the symbol it falls in, and data each pointer-sized word that holds one.
    it(("without relocations reports exactly the function that changed, read by address (%s)"):format(m.name),
      function()
        local o, p = machines.images("image_grows", m, "")
        local r = C.run(o, p)
        assert.are.same({ true }, { r.result:compares_content() })
        assert.are.same({ changed_functions = { "grows" } }, changes(o, p))
        local caveats = r.result:caveats()
        assert.are.equal(1, #caveats)
        assert.matches("^read by address %([^)]*orig%.elf, [^)]*patched%.elf: a linked image without relocations%)",
          caveats[1])
      end)

    -- call_foo's, show's and pick's bytes are the same on both sides: only
    -- what their addresses hold (another function, another text, other
    -- data) changed; ops points at op_two first.  Everything else moved
    -- (on ppc64le the TOC pointer too) and is the same.
    -- With relocations, the text a .rodata label or section offset holds
    -- counts the same way: a linked image merges its strings there.
    for _, link in ipairs { { "", "without relocations" }, { "-Wl,--emit-relocs", "with its relocations" } } do
      it(("%s sees what its addresses hold (%s)"):format(link[2], m.name), function()
        assert.are.same({
          changed_functions = { "call_foo", "pick", "show" },
          changed_data = { "ops" },
          new_functions = { "added", "do_new_foo" },
          removed_functions = { "do_foo" },
        }, changes(machines.images("image_refs", m, link[1])))
      end)
    end
  end

  it("without relocations, on a machine the disassembler lacks, is not compared and says why (riscv64)", function()
    local riscv = { name = "riscv64", cc = "clang-19 --target=riscv64-linux-gnu -fuse-ld=/usr/bin/ld.lld-19 -Wno-unused-command-line-argument", flags = "" }
    local o, p = machines.images("image_grows", riscv, "", "-ffunction-sections")
    local r = C.run(o, p)
    local compared, why = r.result:compares_content()
    assert.is_false(compared)
    assert.matches("orig%.elf: a linked image without its relocations, and machine riscv is not supported by the "
      .. "disassembler [^:]*: link it with %-%-emit%-relocs", why)
    assert.are.same({}, changes(o, p))
  end)
end)

-- Rewrites, in an ELF64 little-endian file, every entry of relocation
-- section `name` into R_*_NONE at offset 0 (what sorting the exception
-- table after the link leaves in a distribution vmlinux).
local function blank_relocations(src, dst, name)
  local f = assert(io.open(src, "rb"))
  local data = f:read("a")
  f:close()
  local shoff, shentsize, shnum, shstrndx = string.unpack("<I8", data, 0x28 + 1), string.unpack("<I2", data, 0x3a + 1),
    string.unpack("<I2", data, 0x3c + 1), string.unpack("<I2", data, 0x3e + 1)
  local function header(i)
    local at = shoff + i * shentsize + 1
    local nm, _, _, _, off, size = string.unpack("<I4I4I8I8I8I8", data, at)
    return nm, off, size
  end
  local _, stroff = header(shstrndx)
  local out, found = data, false
  for i = 0, shnum - 1 do
    local nm, off, size = header(i)
    if data:match("^([^%z]*)", stroff + nm + 1) == name then
      found = true
      for e = off, off + size - 1, 24 do
        out = out:sub(1, e) .. string.pack("<I8I8", 0, 0) .. out:sub(e + 17)
      end
    end
  end
  assert(found, "no section " .. name .. " in " .. src)
  f = assert(io.open(dst, "wb"))
  f:write(out)
  f:close()
  return dst
end

describe("a linked image whose relocations were blanked to R_*_NONE", function()
  it("is compared all the same: those entries do nothing", function()
    local o, p = machines.images("image_grows", machines.get("x86_64"), "-Wl,--emit-relocs")
    o = blank_relocations(o, o .. ".blanked", ".rela__ex_table")
    p = blank_relocations(p, p .. ".blanked", ".rela__ex_table")
    local r = C.run(o, p)
    assert.are.same({ true }, { r.result:compares_content() })
    assert.are.same({ changed_functions = { "grows" } }, changes(o, p))
  end)
end)

describe("an object built without -ffunction-sections", function()
  for _, m in ipairs(machines.all) do
    -- Calls inside the one .text carry no relocation: decoded, they reach
    -- the same functions wherever those moved.
    it(("reports exactly the function that grew, and no caveat (%s)"):format(m.name), function()
      local o, p = machines.pair("shared_grows", m, "-fno-ipa-ra")
      local r = C.run(o, p)
      assert.are.same({ changed_functions = { "grows" } }, changes(o, p))
      assert.are.same({}, r.result:caveats())
      assert.are.equal("same", r.result:status(r.result:named("orig", "after")[1]))
    end)

    -- The displacement differs; decoded, it reaches another function.
    it(("reports a call to another function of the same section (%s)"):format(m.name), function()
      assert.are.same({ changed_functions = { "caller" } }, changes(machines.pair("shared_callee", m, "-fno-ipa-ra")))
    end)
  end
end)

describe("a dynamic debug descriptor whose only change is its line number", function()
  for _, m in ipairs(machines.all) do
    -- Its lineno bit-field lies in the low bits of its word, or on s390x
    -- (big endian) the high ones; of the other descriptors one's format
    -- changed, one's flags (the bits after lineno in that word).
    it(("is line data, apart from changed data (%s)"):format(m.name), function()
      assert.are.same({
        changed_functions = { "report_b" },
        changed_data = { "__UNIQUE_ID_ddebug1.4", "__UNIQUE_ID_ddebug2.3" },
        line_data = { "__UNIQUE_ID_ddebug0.5" },
      }, changes(machines.pair("dyndbg_line", m)))
    end)
  end

  it("is changed data under strict", function()
    local o, p = machines.pair("dyndbg_line", machines.get("x86_64"))
    local strict = C.run(o, p, "strict").result:changes()
    assert.are.same({ 3, 0 }, { #strict.changed_data, #strict.line_data })
  end)
end)

describe("a function whose only change is a line number", function()
  for _, m in ipairs(machines.all) do
    it(("has status line, next to a real change (%s)"):format(m.name), function()
      local o, p = machines.pair("line_shift", m)
      assert.are.same({ line_functions = { "waits" }, changed_functions = { "really_changes" } }, changes(o, p))
      local r = C.run(o, p)
      assert.are.equal("line", r.result:status(r.result:named("orig", "waits")[1]))
    end)
  end

  it("is changed under strict and the same under kpatch", function()
    local o, p = machines.pair("line_shift", machines.get("x86_64"))
    local strict = C.run(o, p, "strict").result:changes()
    assert.are.equal(2, #strict.changed_functions)
    assert.are.equal(0, #strict.line_functions)
    local kpatch = C.run(o, p, "kpatch").result:changes()
    assert.are.same({ "really_changes" }, { kpatch.changed_functions[1].name, kpatch.changed_functions[2] })
    assert.are.equal(0, #kpatch.line_functions)
  end)

  it("is changed when its callee is not a line-taking one", function()
    local o, p = machines.pair("line_shift", machines.get("x86_64"))
    local got = C.run(o, p, { line_functions = { "printk" } }).result:changes()
    assert.are.equal(2, #got.changed_functions)
  end)
end)

describe("a machine Capstone 4 cannot decode", function()
  it("is compared byte by byte, and the caveat says so (riscv64)", function()
    local riscv = { name = "riscv64", cc = "clang-19 --target=riscv64-linux-gnu", flags = "" }
    local o, p = machines.pair("callee_renamed", riscv)
    local caveats = C.run(o, p).result:caveats()
    assert.are.equal(1, #caveats)
    assert.matches("^code compared byte by byte %(.*riscv", caveats[1])
    assert.are.same({ changed_functions = { "__wrap_sys_foo" }, new_functions = { "__patched_do_sys_foo" },
      removed_functions = { "__do_sys_foo" } }, changes(o, p))
  end)
end)

describe("same-named statics of a shared .text without FILE symbols", function()
  for _, m in ipairs(machines.all) do
    -- The patched build links b.c first: position would pair a's helper with
    -- b's.  The paired functions around each helper say which it is; without
    -- that layout, a_caller's call, decoded, reaches a's helper on both sides.
    it(("pair by layout, and by the decoded calls of their callers (%s)"):format(m.name), function()
      local o = machines.linked_without_files("shared_statics", "orig", m, { "a.c", "b.c" })
      local p = machines.linked_without_files("shared_statics", "patched", m, { "b.c", "a.c" })
      for _, how in ipairs { { nil, "layout" }, { C.without("layout"), "use" } } do
        local r = C.run(o, p, how[1]).result
        local orig_helpers, patched_helpers = r:named("orig", "helper"), r:named("patched", "helper")
        assert.are.equal(2, #orig_helpers)
        assert.are.equal(2, #patched_helpers)
        local function by_value(x, y) return x.value < y.value end
        table.sort(orig_helpers, by_value)
        table.sort(patched_helpers, by_value)
        -- a.o's helper comes first in orig and second in patched.
        local twin, _, evidence = r:twin(orig_helpers[1])
        assert.are.same({ patched_helpers[2].index, how[2] }, { twin and twin.index, evidence })
        assert.are.equal(patched_helpers[1].index, (r:twin(orig_helpers[2])).index)
      end
    end)
  end
end)

describe("--diff of a line-number-only change", function()
  it("marks the line immediate as such", function()
    local cli = require "helpers.cli"
    local o, p = machines.pair("line_shift", machines.get("x86_64"))
    local r = cli.run { "--diff", "waits", o, p }
    assert.are.equal(0, r.status, r.stderr)
    assert.matches("\n%-%s+0x1%s+mov%s+esi, 0xa   ; line\n%+%s+0x1%s+mov%s+esi, 0x10   ; line\n", r.stdout)
  end)
end)

describe("an x86 reference whose instruction ends with an immediate", function()
  it("reaches the static it names, not the one before it (movl $1, b(%rip))", function()
    local o, p = machines.pair("static_store", machines.get("x86_64"))
    local got = changes(o, p)
    assert.are.same({ "getb" }, got.changed_functions)
  end)
end)

describe("a ppc64 ELFv1 function (powerpc64, big endian)", function()
  -- Its symbol names its descriptor in .opd, alike on both sides (a
  -- relocation to its code's section, the TOC, 0); its size is its code's.
  local elfv1 = { name = "ppc64", cc = "clang-19 --target=powerpc64-linux-gnu", flags = "" }
  it("is compared by the code its descriptor points at", function()
    local o, p = machines.pair("opd_code", elfv1)
    assert.are.same({ changed_functions = { "scale" } }, changes(o, p))
    local r = C.run(o, p).result
    for _, name in ipairs { "keep", "tail" } do
      assert.are.equal("same", r:status(r:named("orig", name)[1]), name)
    end
    assert.are.equal("changed", r:status(r:named("orig", "scale")[1]))
  end)

  -- Linked (by the ppc64le binutils, which link big-endian ELFv1 too), each
  -- descriptor holds its code's address, relocated with --emit-relocs.
  for _, ldflags in ipairs { "", "--emit-relocs" } do
    it(("is compared by its code in a linked image %s"):format(ldflags), function()
      local out = {}
      for _, side in ipairs { "orig", "patched" } do
        local obj = machines.side("opd_code", side, elfv1)
        out[side] = B.build("build/machines/ppc64/opd_code", ("build/machines/ppc64/opd_code/%s%s.elf")
          :format(side, ldflags:gsub("[^%w]", "")), { obj },
          ("powerpc64le-linux-gnu-ld -m elf64ppc %s -e scale -o $OUT %s"):format(ldflags, obj))
      end
      local r = C.run(out.orig, out.patched).result
      local status = {}
      for _, name in ipairs { "scale", "keep", "tail" } do status[name] = r:status(r:named("orig", name)[1]) end
      assert.are.same({ scale = "changed", keep = "same", tail = "same" }, status)
    end)
  end
end)
