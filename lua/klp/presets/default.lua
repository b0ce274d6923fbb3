-- The default policy: the best correlation klp knows.  Never fails.
local passes = require "klp.passes"
local suffix = require "klp.suffix"

local SHF_STRINGS = 0x20

return {
  name = "default",
  description = "the best correlation klp knows; reports ties, never fails",
  suffixes = suffix.default_suffixes,
  bases = suffix.default_bases,
  -- What objtool's klp diff and kpatch never correlate either.
  exclude = {
    abs = true,
    -- "$": ARM and RISC-V mapping symbols ($x, $d, $a, $t, $xrv64i2p1...).
    prefixes = { "__pfx_", "__cfi_", "__pi___pfx_", "__pi___cfi_", ".L", "$", "__initcall__", "__initstub__" },
    -- .modinfo: module metadata a live patch never touches, whose renumbered
    -- __UNIQUE_ID_alias/firmware entries would only add noise.
    sections = {
      ".altinstructions", ".altinstr_replacement", ".altinstr_aux", ".kcfi_traps", ".smp_locks",
      "__bug_table", "__ex_table", "__jump_table", "__mcount_loc", ".static_call_sites", ".data..once",
      ".modinfo",
    },
    section_prefixes = { ".discard.", ".rodata.cst" },
    section_flags = SHF_STRINGS,
  },
  -- .cold and .part functions belong to their parent: a change in one changes it.
  children = { "cold", "part" },
  files = "align",
  tu_map = "consistent",
  ties = "positional",
  passes = { passes.exact, passes.evidence, passes.positional, passes.evidence },
  fail_on = {},
}
