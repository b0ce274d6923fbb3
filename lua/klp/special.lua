-- klp.special: the names never correlated, each written once: the statics
-- compilers make inside functions, the special sections of kernel metadata
-- and the symbol prefixes of companions and labels.  The presets take their
-- lists from here; where klp, objtool and kpatch differ, they differ on
-- purpose (each preset reproduces its tool), and the table says who lists what.
local M = {}

--- Function-scope statics the compiler makes (GCC names them `var.N`, clang
--- `func.var[.N]`), in klp's order, each with the tools that exclude it.
M.statics = {
  { name = "__already_done",      klp = true, objtool = true, kpatch = true },
  { name = "__func__",            klp = true, objtool = true, kpatch = true },
  { name = "__FUNCTION__",        klp = true,                 kpatch = true },
  { name = "__PRETTY_FUNCTION__", klp = true },
  { name = "__key",               klp = true, objtool = true, kpatch = true },
  { name = "__warned",            klp = true, objtool = true, kpatch = true },
  { name = "_entry",              klp = true, objtool = true, kpatch = true },
  { name = "_entry_ptr",          klp = true, objtool = true },
  { name = "_rs",                 klp = true, objtool = true, kpatch = true },
  { name = "descriptor",          klp = true, objtool = true },
  { name = "CSWTCH",              klp = true, objtool = true, kpatch = true },
}

--- The names of the statics a tool ("klp", "objtool", "kpatch") excludes,
--- in the order of M.statics.
function M.statics_of(tool)
  local out = {}
  for _, s in ipairs(M.statics) do
    if s[tool] then out[#out + 1] = s.name end
  end
  return out
end

--- The same as a set: {name = true}.
function M.static_set(tool)
  local out = {}
  for _, name in ipairs(M.statics_of(tool)) do out[name] = true end
  return out
end

--- The variable a function-scope static's name stands for: `var` of GCC's
--- `var.N` and of clang's `func.var` and `func.var.N`; nil for any other name.
function M.static_var(name)
  local stem = name:match("^(.-)%.%d+$") or name
  local var = stem:match("^[^.]+%.([^.]+)$")
  if var then return var end
  if stem ~= name then return stem end
  return nil
end

--- Whether a symbol is one of the compiler-made statics of a set (objtool's
--- and kpatch's rule: data objects only).
function M.is_static(set, name, stype)
  return stype == "object" and set[M.static_var(name)] ~= nil
end

--- Sections of kernel metadata (alternatives, bug and exception tables, jump
--- labels, ...): objtool's special sections.  Symbols in them never pair.
M.sections = {
  ".altinstructions", ".altinstr_replacement", ".altinstr_aux", ".kcfi_traps", ".smp_locks",
  "__bug_table", "__ex_table", "__jump_table", "__mcount_loc", ".static_call_sites", ".data..once",
}

--- Prefixes of such sections.
M.section_prefixes = { ".discard.", ".rodata.cst" }

--- Prefixes of symbols never correlated: the __pfx_ and __cfi_ companions
--- (which follow their function's name), .L labels and initcall entries.
M.symbol_prefixes = { "__pfx_", "__cfi_", "__pi___pfx_", "__pi___cfi_", ".L", "__initcall__", "__initstub__" }

--- Kernel functions called with the caller's __LINE__ as an immediate
--- argument (might_sleep(), WARN(), BUG(), pr_*/dynamic debug, ASSERT_RTNL(),
--- btrfs and ext4 error reporting): klp's list, kpatch's and what it leaves out.
M.line_functions = {
  "__might_sleep", "___might_sleep", "__might_resched", "__might_fault", "__warn_printk",
  "warn_slowpath_fmt", "warn_slowpath_null", "_printk", "printk", "lockdep_rcu_suspicious",
  "__dynamic_pr_debug", "__dynamic_dev_dbg", "__dynamic_netdev_dbg", "__btrfs_abort_transaction",
  "__btrfs_handle_fs_error", "__btrfs_panic", "__ext4_error", "__ext4_error_inode", "__ext4_error_file",
  "__ext4_warning", "__ext4_warning_inode", "__ext4_std_error", "__ext4_msg", "__ext4_grp_locked_error",
  "__ext4_abort",
}

--- kpatch's list (create-diff-object, kpatch_line_macro_change_only).
M.kpatch_line_functions = {
  "__warn_printk", "warn_slowpath_fmt", "warn_slowpath_null", "__might_sleep", "___might_sleep",
  "__might_fault", "printk", "_printk", "lockdep_rcu_suspicious", "__btrfs_abort_transaction",
  "__btrfs_handle_fs_error", "__btrfs_panic",
}

--- sh_flags of mergeable string sections: their symbols are labels.
M.SHF_STRINGS = 0x20

--- A new list: the entries of list, then the extra arguments.
function M.with(list, ...)
  local out = {}
  for i, v in ipairs(list) do out[i] = v end
  for _, v in ipairs { ... } do out[#out + 1] = v end
  return out
end

return M
