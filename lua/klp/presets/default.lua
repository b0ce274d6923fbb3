-- The default policy: the best correlation klp knows.  Never fails.
local passes = require "klp.passes"
local special = require "klp.special"
local suffix = require "klp.suffix"

return {
  name = "default",
  description = "the best correlation klp knows; reports ties, never fails",
  suffixes = suffix.default_suffixes,
  bases = suffix.default_bases,
  -- What objtool's klp diff never correlates either, and a little more.
  exclude = {
    abs = true,
    -- "$": ARM and RISC-V mapping symbols ($x, $d, $a, $t, $xrv64i2p1...).
    prefixes = special.with(special.symbol_prefixes, "$"),
    -- .modinfo: module metadata a live patch never touches, whose renumbered
    -- __UNIQUE_ID_alias/firmware entries would only add noise.  Build noise,
    -- different on every build and never live-patch material: .note* (build
    -- ids, the .note.Linux version note) and .BTF_ids (BTF type ids that
    -- resolve_btfids writes anew).
    sections = special.with(special.sections, ".modinfo", ".BTF_ids"),
    section_prefixes = special.with(special.section_prefixes, ".note"),
    section_flags = special.SHF_STRINGS,
  },
  -- Callees that take the caller's __LINE__ as an immediate argument: a
  -- function whose code differs only in those immediates has status `line`
  -- (lines were inserted above it), not `changed`.
  line_functions = special.line_functions,
  line_changes = "line",
  -- .cold and .part functions belong to their parent: a change in one changes it.
  children = { "cold", "part" },
  files = "align",
  tu_map = "consistent",
  ties = "positional",
  passes = { passes.exact, passes.evidence, passes.positional, passes.evidence },
  fail_on = {},
}
