rockspec_format = "3.0"
package = "klp"
version = "scm-1"
source = {
  url = "git+https://example.invalid/klp.git",
}
description = {
  summary = "Pair the symbols of an original and a patched kernel object for live patching",
  detailed = [[
klp decides which symbol of an original kernel object (vmlinux.o, a module,
a linked vmlinux) is which symbol of the patched build: through ThinLTO
.llvm.<hash> churn, LLVM 23 suffix reduction, GCC clones, renumbered statics
and same-named statics in different files.  A C core on libelf does the bulk
work; policies, suffix rules and reports are Lua.
]],
  license = "MIT",
}
dependencies = {
  "lua >= 5.4, < 5.5",
  "lpeg >= 1.0",
  "lua-cjson >= 2.1",
  "argparse >= 0.7",
  "luafilesystem >= 1.8",
}
external_dependencies = {
  LIBELF = { header = "libelf.h", library = "elf" },
  CAPSTONE = { header = "capstone/capstone.h", library = "capstone" },
}
build = {
  type = "builtin",
  modules = {
    ["klp.core"] = {
      sources = {
        "src/align.c", "src/analyse.c", "src/changes.c", "src/children.c", "src/compare.c", "src/corr.c", "src/digest.c",
        "src/evidence.c", "src/exclude.c", "src/forbid.c", "src/group.c", "src/index.c", "src/kelf.c",
        "src/keys.c", "src/layout.c", "src/line.c", "src/pass.c", "src/refine.c", "src/reloc.c", "src/sympos.c", "src/target.c", "src/trace.c",
        "src/use.c",
        "src/decode.c", "src/kinds.c", "src/places.c", "src/listing.c", "src/listref.c", "src/fndiff.c",
        "src/lcore.c", "src/lcorr.c", "src/lelf.c", "src/ljson.c", "src/lnames.c", "src/lpass.c",
        "src/lquery.c", "src/lutil.c", "src/lwork.c",
        "src/ldiff.c",
      },
      defines = { "_POSIX_C_SOURCE=200809L" },
      incdirs = { "$(LIBELF_INCDIR)", "$(CAPSTONE_INCDIR)" },
      libdirs = { "$(LIBELF_LIBDIR)", "$(CAPSTONE_LIBDIR)" },
      libraries = { "elf", "capstone" },
    },
    klp = "lua/klp/init.lua",
    ["klp.cli"] = "lua/klp/cli.lua",
    ["klp.diff"] = "lua/klp/diff.lua",
    ["klp.engine"] = "lua/klp/engine.lua",
    ["klp.forecast"] = "lua/klp/forecast.lua",
    ["klp.forecast_report"] = "lua/klp/forecast_report.lua",
    ["klp.glob"] = "lua/klp/glob.lua",
    ["klp.passes"] = "lua/klp/passes.lua",
    ["klp.policy"] = "lua/klp/policy.lua",
    ["klp.presets.default"] = "lua/klp/presets/default.lua",
    ["klp.presets.kpatch"] = "lua/klp/presets/kpatch.lua",
    ["klp.presets.objtool"] = "lua/klp/presets/objtool.lua",
    ["klp.presets.strict"] = "lua/klp/presets/strict.lua",
    ["klp.report"] = "lua/klp/report/init.lua",
    ["klp.report.json"] = "lua/klp/report/json.lua",
    ["klp.report.text"] = "lua/klp/report/text.lua",
    ["klp.report.why"] = "lua/klp/report/why.lua",
    ["klp.result"] = "lua/klp/result.lua",
    ["klp.special"] = "lua/klp/special.lua",
    ["klp.suffix"] = "lua/klp/suffix.lua",
    ["klp.tree"] = "lua/klp/tree.lua",
    ["klp.tree_report"] = "lua/klp/tree_report.lua",
  },
  install = {
    bin = { klp = "klp.lua" },
  },
}
test = {
  type = "command",
  command = "make test",
}
