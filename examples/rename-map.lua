-- rename-map.lua: a patch that renames a function (and its table) would
-- otherwise show them as one removed and one added symbol.  Tell klp they are
-- the same; "name@file" picks one static among same-named ones.
--
--   lua5.4 klp.lua --policy examples/rename-map.lua orig.o patched.o
return {
  base = "default",
  name = "rename-map",
  pairs = {
    { "old_fn", "new_fn" },
    { "old_table@a.c", "new_table@a.c" },
  },
}
