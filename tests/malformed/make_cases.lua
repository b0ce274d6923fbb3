-- Generator of malformed (and valid-but-unusual) ELF inputs for klp.
--
-- Script:  lua5.4 tests/malformed/make_cases.lua OUTDIR
--          writes every case into OUTDIR (created if needed), prints nothing
--          on success, exits non-zero with a message on stderr otherwise.
-- Module:  local build = require "malformed.make_cases"   -- build(outdir [, {dry_run=true}])
--          local cases = build(outdir)
--
-- Each case is a table:
--   name     descriptive identifier (unique)
--   orig     path passed as ORIG
--   patched  path passed as PATCHED
--   path     for expect == "error": the offending path the stderr line must name
--   expect   "error" or "ok"
--   pattern  Lua pattern, or a list of Lua patterns (any one may match), that
--            the stderr line must match after it is lower-cased and the
--            offending path is removed from it (so case file names cannot
--            satisfy the pattern by themselves)
--
-- Every corruption is applied to a valid ELF64 x86-64 relocatable object
-- compiled at build time with `gcc -c`; corruptions patch exact fields located
-- by parsing the ELF header and the section header table with string.unpack.
-- Each single-file corruption yields two cases: the bad file as ORIG (PATCHED
-- valid) and as PATCHED (ORIG valid).

local M = {}

------------------------------------------------------------------------------
-- small utilities

local function shquote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local function read_file(path)
  local f = assert(io.open(path, "rb"))
  local data = f:read("a")
  f:close()
  return data
end

local function write_file(path, data)
  local f = assert(io.open(path, "wb"))
  assert(f:write(data))
  assert(f:close())
end

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() return true end
  return false
end

-- Run a shell command silently; return true on success, or false plus the
-- captured diagnostic output.  LD_PRELOAD is dropped: `make test-asan`
-- preloads the sanitizer runtimes into lua5.4, not into compilers.
local function run(cmd)
  local log = os.tmpname()
  local ok = os.execute("unset LD_PRELOAD; " .. cmd .. " >" .. shquote(log) .. " 2>&1")
  local out = read_file(log)
  os.remove(log)
  return ok == true, out
end

------------------------------------------------------------------------------
-- ELF64 little-endian parsing and patching

local EHDR64 = "<c16I2I2I4I8I8I8I4I2I2I2I2I2I2"
local SHDR64 = "<I4I4I8I8I8I8I4I4I8I8"
local SYM64_SIZE = 24

-- field offsets inside the ELF64 header
local E_SHOFF, E_SHNUM, E_SHSTRNDX = 0x28, 0x3c, 0x3e
-- field offsets inside an ELF64 section header
local SH_OFFSET, SH_SIZE, SH_LINK, SH_ENTSIZE = 24, 32, 40, 56
-- field offsets inside an ELF64 symbol
local ST_NAME, ST_SHNDX = 0, 6

local SHT_SYMTAB, SHT_STRTAB = 2, 3

local function parse(data)
  assert(#data >= 64 and data:sub(1, 4) == "\127ELF", "not an ELF file")
  assert(data:byte(5) == 2 and data:byte(6) == 1, "not ELF64 little-endian")
  local h = {}
  local _
  _, h.type, h.machine, h.version, h.entry, h.phoff, h.shoff, h.flags,
    h.ehsize, h.phentsize, h.phnum, h.shentsize, h.shnum, h.shstrndx =
    string.unpack(EHDR64, data)
  assert(h.shentsize == 64, "unexpected e_shentsize")
  local secs = {}
  for i = 0, h.shnum - 1 do
    local base = h.shoff + i * h.shentsize
    local s = { index = i, hdr = base }
    s.name_off, s.type, s.flags, s.addr, s.offset, s.size, s.link, s.info,
      s.addralign, s.entsize = string.unpack(SHDR64, data, base + 1)
    secs[i] = s
  end
  local shstr = secs[h.shstrndx]
  for i = 0, h.shnum - 1 do
    local s = secs[i]
    s.name = string.unpack("z", data, shstr.offset + s.name_off + 1)
  end
  h.sections = secs
  return h
end

local function section(h, name)
  for i = 0, h.shnum - 1 do
    if h.sections[i].name == name then return h.sections[i] end
  end
  error("section " .. name .. " not found")
end

-- Overwrite the bytes at 0-based file offset `off` with string.pack(fmt, v).
local function patch(data, off, fmt, v)
  local bytes = string.pack(fmt, v)
  assert(off >= 0 and off + #bytes <= #data, "patch outside file")
  return data:sub(1, off) .. bytes .. data:sub(off + #bytes + 1)
end

-- Index of the first symbol (in .symtab) satisfying pred(sym), where sym has
-- name_off, shndx and off (file offset of the entry).
local function find_symbol(data, h, pred)
  local st = section(h, ".symtab")
  for i = 1, st.size // SYM64_SIZE - 1 do
    local off = st.offset + i * SYM64_SIZE
    local name_off, info, _, shndx = string.unpack("<I4BBI2", data, off + 1)
    local sym = { index = i, off = off, name_off = name_off, info = info,
                  shndx = shndx }
    if pred(sym) then return sym end
  end
  error("no matching symbol")
end

local function is_global_defined(sym)
  return (sym.info >> 4) == 1 and sym.shndx ~= 0 and sym.shndx < 0xff00
end

------------------------------------------------------------------------------
-- source inputs

local C_SOURCE = [[
int klp_counter = 1;
static int klp_helper(int x) { return x * 3; }
int klp_func(int x) { return klp_helper(x) + klp_counter; }
]]

-- Assembles to an object whose .symtab holds only the null symbol and the
-- section symbol for .text (referenced by the relocation in .data).
local MIN_ASM = "\t.data\n\t.quad .text\n\t.text\n\tnop\n"

local ASM_I386 = "\t.text\n\t.globl klp_func\n\t.type klp_func,@function\nklp_func:\n\tret\n"
local ASM_AARCH64 = "\t.text\n\t.globl klp_func\n\t.type klp_func,%function\nklp_func:\n\tret\n"

-- Hand-built ELF32 i386 relocatable object: null, .text, .symtab, .strtab,
-- .shstrtab.  Only used when no toolchain in this environment can make one.
local function handmade_elf32()
  local text = "\195"                                  -- ret
  local strtab = "\0klp_func\0"
  local shstrtab = "\0.text\0.symtab\0.strtab\0.shstrtab\0"
  local function sym(name, value, size, info, shndx)
    return string.pack("<I4I4I4BBI2", name, value, size, info, 0, shndx)
  end
  local symtab = sym(0, 0, 0, 0, 0) .. sym(0, 0, 0, 3, 1)  -- null, SECTION .text
    .. sym(1, 0, 1, 0x12, 1)                                 -- GLOBAL FUNC klp_func
  local off_text = 52
  local off_sym = 56                                         -- 4-aligned
  local off_str = off_sym + #symtab
  local off_shstr = off_str + #strtab
  local off_sh = (off_shstr + #shstrtab + 3) & ~3
  local body = text .. ("\0"):rep(off_sym - off_text - #text) .. symtab
    .. strtab .. shstrtab
  body = body .. ("\0"):rep(off_sh - 52 - #body)
  local function sh(name, type, flags, off, size, link, info, align, entsize)
    return string.pack("<I4I4I4I4I4I4I4I4I4I4", name, type, flags, 0, off,
                       size, link, info, align, entsize)
  end
  local shdrs = sh(0, 0, 0, 0, 0, 0, 0, 0, 0)
    .. sh(1, 1, 6, off_text, #text, 0, 0, 1, 0)
    .. sh(7, SHT_SYMTAB, 0, off_sym, #symtab, 3, 2, 4, 16)
    .. sh(15, SHT_STRTAB, 0, off_str, #strtab, 0, 0, 1, 0)
    .. sh(23, SHT_STRTAB, 0, off_shstr, #shstrtab, 0, 0, 1, 0)
  local ehdr = "\127ELF\1\1\1" .. ("\0"):rep(9)
    .. string.pack("<I2I2I4I4I4I4I4I2I2I2I2I2I2", 1, 3, 1, 0, 0, off_sh, 0,
                   52, 0, 0, 40, 5, 4)
  return ehdr .. body .. shdrs
end

-- Try each command in turn (each a function(out) -> shell command); the first
-- that succeeds and leaves `out` behind wins.  Returns the winning command or
-- nil plus the collected diagnostics.
local function first_working(out, cmds)
  local errs = {}
  for _, mk in ipairs(cmds) do
    os.remove(out)
    local cmd = mk(out)
    local ok, log = run(cmd)
    if ok and exists(out) then return cmd end
    errs[#errs + 1] = cmd .. ": " .. log
  end
  os.remove(out)
  return nil, table.concat(errs, "\n")
end

------------------------------------------------------------------------------
-- case construction

-- Single-file corruptions of the valid ELF64 object.  Each entry:
-- { file, pattern, corrupt(data, h) -> data }
-- Patterns are matched against the lower-cased stderr line with the path removed.

local SHDR_AREA = { "section header", "shdr", "section table", "e_shoff",
                    "e_shnum" }
-- bounds of a section's data (the section is .symtab, so "sym" also names it)
local SECTION_BOUNDS = { "sym", "section.*end", "section.*eof",
                         "section.*bound", "section.*past", "section.*beyond",
                         "section.*outside", "section.*exceed",
                         "section.*overflow", "section.*range",
                         "section.*truncat" }

local SH_FLAGS_OFF = 8          -- sh_flags in an Elf64_Shdr
local SHF_COMPRESSED = 0x800

local CORRUPTIONS = {
  { file = "reloc_symbol_out_of_range.o",
    pattern = { "relocation.*symbol index" },
    corrupt = function(data, h)
      -- first entry of .rela.text: r_info = (sym << 32) | type, sym far too big
      local rela = section(h, ".rela.text")
      local info = string.unpack("<I8", data, rela.offset + 8 + 1)
      return patch(data, rela.offset + 8, "<I8", (0x7fff << 32) | (info & 0xffffffff))
    end },

  { file = "reloc_offset_outside_section.o",
    pattern = { "relocation.*offset.*outside" },
    corrupt = function(data, h)
      local rela, text = section(h, ".rela.text"), section(h, ".text")
      return patch(data, rela.offset, "<I8", text.size + 100)
    end },

  { file = "symtab_compressed.o",
    pattern = { "compressed" },
    corrupt = function(data, h)
      local st = section(h, ".symtab")
      local flags = string.unpack("<I8", data, st.hdr + SH_FLAGS_OFF + 1)
      return patch(data, st.hdr + SH_FLAGS_OFF, "<I8", flags | SHF_COMPRESSED)
    end },

  { file = "truncated_in_section_headers.o", pattern = SHDR_AREA,
    corrupt = function(data, h)
      -- cut the file in the middle of a section header, half-way through the
      -- table (gcc puts the table at the end of the file)
      local cut = h.shoff + (h.shnum // 2) * h.shentsize + 10
      assert(cut < #data)
      return data:sub(1, cut)
    end },

  { file = "symtab_past_eof.o", pattern = SECTION_BOUNDS,
    corrupt = function(data, h)
      -- keep a multiple of sh_entsize so only the bounds check can fire
      local st = section(h, ".symtab")
      local size = ((#data // SYM64_SIZE) + 1000) * SYM64_SIZE
      return patch(data, st.hdr + SH_SIZE, "<I8", size)
    end },

  { file = "symtab_size_not_multiple_of_entsize.o",
    pattern = { "multiple", "entsize", "entry size", "sym.*size",
                "size.*sym" },
    corrupt = function(data, h)
      -- still inside the file: only the multiple check can fire
      local st = section(h, ".symtab")
      assert(st.offset + st.size + 5 <= #data)
      return patch(data, st.hdr + SH_SIZE, "<I8", st.size + 5)
    end },

  { file = "symtab_entsize_zero.o",
    pattern = { "entsize", "entry size", "sym.*size", "size.*sym", "zero" },
    corrupt = function(data, h)
      local st = section(h, ".symtab")
      return patch(data, st.hdr + SH_ENTSIZE, "<I8", 0)
    end },

  { file = "symbol_name_past_strtab.o",
    pattern = { "name", "str" },
    corrupt = function(data, h)
      local str = section(h, ".strtab")
      local sym = find_symbol(data, h, is_global_defined)
      return patch(data, sym.off + ST_NAME, "<I4", str.size + 0x1000)
    end },

  { file = "strtab_not_nul_terminated.o",
    pattern = { "str", "nul", "terminat" },
    corrupt = function(data, h)
      local str = section(h, ".strtab")
      local last = str.offset + str.size - 1
      assert(data:byte(last + 1) == 0)
      return patch(data, last, "B", string.byte("X"))
    end },

  { file = "symbol_shndx_out_of_range.o",
    pattern = { "section", "shndx", "index" },
    corrupt = function(data, h)
      local sym = find_symbol(data, h, is_global_defined)
      local bad = h.shnum + 100
      assert(bad < 0xff00)
      return patch(data, sym.off + ST_SHNDX, "<I2", bad)
    end },

  { file = "symtab_link_not_strtab.o",
    pattern = { "link", "str" },
    corrupt = function(data, h)
      local st = section(h, ".symtab")
      local text = section(h, ".text")
      assert(text.type ~= SHT_STRTAB)
      return patch(data, st.hdr + SH_LINK, "<I4", text.index)
    end },

  { file = "shstrndx_out_of_range.o",
    pattern = { "shstrndx", "shstrtab", "str", "name" },
    corrupt = function(data, h)
      local bad = h.shnum + 200
      assert(bad < 0xff00)
      return patch(data, E_SHSTRNDX, "<I2", bad)
    end },

  { file = "shnum_huge.o",
    pattern = { "section", "shnum" },
    corrupt = function(data, h)
      assert(60000 * h.shentsize > #data)
      return patch(data, E_SHNUM, "<I2", 60000)
    end },

  { file = "section_offset_size_overflow.o", pattern = SECTION_BOUNDS,
    corrupt = function(data, h)
      -- sh_offset + sh_size wraps around 2^64 to a small in-file value, so a
      -- naive `offset + size <= filesize` test passes; size stays a multiple
      -- of sh_entsize
      local st = section(h, ".symtab")
      local wrap = 2 * SYM64_SIZE
      assert(st.size > wrap and st.size - wrap < #data)
      return patch(data, st.hdr + SH_OFFSET, "<i8", -wrap)
    end },
}

-- Whole-file bad inputs that do not depend on the valid object.
local function write_raw_cases(outdir, P)
  os.remove(P("no_such_file.o"))
  assert(not exists(P("no_such_file.o")))
  assert(run("mkdir -p " .. shquote(P("a_directory.o"))))
  write_file(P("empty.o"), "")
  write_file(P("not_elf.txt"),
             "This is a plain text file.\nIt is certainly not an ELF object.\n")
end

local RAW = {
  { file = "no_such_file.o",
    pattern = { "no such file", "not exist", "not found", "cannot open",
                "can't open", "could not open", "unable to open", "failed to open" } },
  { file = "a_directory.o",
    pattern = { "director", "regular file" } },
  { file = "empty.o",
    pattern = { "empty", "short", "small", "truncat", "elf header",
                "not an? elf", "magic", "eof", "end of file", "size 0",
                "0 bytes" } },
  { file = "not_elf.txt",
    pattern = { "not an? elf", "magic", "elf header", "invalid elf",
                "bad elf" } },
  { file = "truncated_in_elf_header.o",
    pattern = { "truncat", "short", "small", "header", "eof",
                "end of file" } },
}

-- Write every input file into outdir.
local function write_all(outdir, P)
  local ok, log = run("mkdir -p " .. shquote(outdir))
  if not ok then error("cannot create " .. outdir .. ": " .. log) end

  -- valid ELF64 x86-64 object
  local src = P("valid.c")
  write_file(src, C_SOURCE)
  local valid = P("valid.o")
  ok, log = run("gcc -c -O0 -o " .. shquote(valid) .. " " .. shquote(src))
  if not ok then error("gcc -c failed: " .. log) end
  local vdata = read_file(valid)
  local vh = parse(vdata)
  assert(vh.machine == 62, "gcc did not produce an x86-64 object")
  write_file(P("valid_copy.o"), vdata)

  -- object whose symtab is only the null symbol and a section symbol
  local masm = P("min_symtab.s")
  write_file(masm, MIN_ASM)
  local minobj = P("min_symtab.o")
  ok, log = run("gcc -c -o " .. shquote(minobj) .. " " .. shquote(masm))
  if not ok then error("assembling " .. masm .. " failed: " .. log) end
  do
    local md = read_file(minobj)
    local mh = parse(md)
    local st = section(mh, ".symtab")
    assert(st.size == 2 * SYM64_SIZE, "min_symtab.o: expected exactly 2 symbols")
    local _, info = string.unpack("<I4B", md, st.offset + SYM64_SIZE + 1)
    assert(info & 0xf == 3, "min_symtab.o: symbol 1 is not STT_SECTION")
    write_file(P("min_symtab_copy.o"), md)
  end

  -- ELF32 i386 object
  local csrc32 = P("tiny_nohdr.c")
  write_file(csrc32, "int klp_func(int x) { return x + 1; }\n")
  local s32 = P("tiny_i386.s")
  write_file(s32, ASM_I386)
  local elf32 = P("elf32_i386.o")
  local q = shquote
  local cmd = first_working(elf32, {
    function(o) return "clang-19 --target=i386-linux-gnu -c -o " .. q(o) .. " " .. q(csrc32) end,
    function(o) return "clang --target=i386-linux-gnu -c -o " .. q(o) .. " " .. q(csrc32) end,
    function(o) return "gcc -m32 -c -o " .. q(o) .. " " .. q(csrc32) end,
    function(o) return "llvm-mc-19 -filetype=obj -triple=i386-linux-gnu -o " .. q(o) .. " " .. q(s32) end,
    function(o) return "as --32 -o " .. q(o) .. " " .. q(s32) end,
  })
  if not cmd then write_file(elf32, handmade_elf32()) end
  do
    local d = read_file(elf32)
    assert(d:sub(1, 4) == "\127ELF" and d:byte(5) == 1, "elf32_i386.o is not ELF32")
  end

  -- ELF64 aarch64 object
  local sa64 = P("tiny_aarch64.s")
  write_file(sa64, ASM_AARCH64)
  local a64 = P("elf64_aarch64.o")
  cmd = first_working(a64, {
    function(o) return "clang-19 --target=aarch64-linux-gnu -c -o " .. q(o) .. " " .. q(csrc32) end,
    function(o) return "clang --target=aarch64-linux-gnu -c -o " .. q(o) .. " " .. q(csrc32) end,
    function(o) return "aarch64-linux-gnu-gcc -c -o " .. q(o) .. " " .. q(csrc32) end,
    function(o) return "llvm-mc-19 -filetype=obj -triple=aarch64-linux-gnu -o " .. q(o) .. " " .. q(sa64) end,
  })
  if not cmd then
    -- fallback: the x86-64 object relabelled as EM_AARCH64 (183)
    write_file(a64, patch(vdata, 0x12, "<I2", 183))
  end
  do
    local ah = parse(read_file(a64))
    assert(ah.machine == 183, "elf64_aarch64.o is not EM_AARCH64")
  end

  -- raw bad inputs
  write_raw_cases(outdir, P)
  write_file(P("truncated_in_elf_header.o"), vdata:sub(1, 20))

  -- corruptions of the valid object
  for _, c in ipairs(CORRUPTIONS) do
    write_file(P(c.file), c.corrupt(vdata, vh))
  end
end

-- build(outdir [, opts]): writes all inputs into outdir and returns the case
-- list.  With opts.dry_run, writes nothing and only returns the list (paths
-- are deterministic), so a spec can declare its tests before building.
function M.build(outdir, opts)
  assert(type(outdir) == "string" and outdir ~= "", "build(outdir): outdir required")
  outdir = outdir:gsub("/+$", "")
  local function P(name) return outdir .. "/" .. name end
  if not (opts and opts.dry_run) then write_all(outdir, P) end
  local valid = P("valid.o")
  local elf32 = P("elf32_i386.o")
  local a64 = P("elf64_aarch64.o")
  local minobj = P("min_symtab.o")

  local cases = {}
  local function bad(file, pattern)
    local base = file:gsub("%.[^.]*$", "")
    cases[#cases + 1] = { name = base .. " (as ORIG)", orig = P(file),
                          patched = valid, path = P(file), expect = "error",
                          pattern = pattern }
    cases[#cases + 1] = { name = base .. " (as PATCHED)", orig = valid,
                          patched = P(file), path = P(file), expect = "error",
                          pattern = pattern }
  end
  for _, r in ipairs(RAW) do bad(r.file, r.pattern) end
  for _, c in ipairs(CORRUPTIONS) do bad(c.file, c.pattern) end

  cases[#cases + 1] = { name = "elf64 ORIG vs elf32 PATCHED (class mismatch)",
                        orig = valid, patched = elf32, path = elf32,
                        expect = "error",
                        pattern = { "class", "32", "mismatch", "differ" } }
  cases[#cases + 1] = { name = "x86_64 ORIG vs aarch64 PATCHED (machine mismatch)",
                        orig = valid, patched = a64, path = a64,
                        expect = "error",
                        pattern = { "machine", "arch", "mismatch", "differ" } }

  cases[#cases + 1] = { name = "symtab with only null and section symbol",
                        orig = minobj, patched = P("min_symtab_copy.o"),
                        expect = "ok" }
  cases[#cases + 1] = { name = "same file as ORIG and PATCHED",
                        orig = valid, patched = valid, expect = "ok" }
  cases[#cases + 1] = { name = "identical copies as ORIG and PATCHED",
                        orig = valid, patched = P("valid_copy.o"),
                        expect = "ok" }
  return cases
end

------------------------------------------------------------------------------

local is_main = arg ~= nil and type(arg[0]) == "string"
  and arg[0]:match("make_cases%.lua$") ~= nil
  and select("#", ...) <= 1 and (...) == arg[1]

if is_main then
  local outdir = arg[1]
  if not outdir or arg[2] then
    io.stderr:write("usage: lua5.4 tests/malformed/make_cases.lua OUTDIR\n")
    os.exit(2)
  end
  local ok, err = pcall(M.build, outdir)
  if not ok then
    io.stderr:write("make_cases: " .. tostring(err) .. "\n")
    os.exit(1)
  end
  os.exit(0)
end

return M.build
