-- ci-gate.lua: a policy file for a distro build pipeline.  Correlates like
-- the default preset but fails (exit 2) when anything needs a human: an
-- ambiguity, a pair made by position only, or a clone-kind change.  A FILE
-- list difference is expected between kernel updates, so it only warns.
--
--   lua5.4 klp.lua --policy examples/ci-gate.lua --format json orig.o patched.o
return {
  base = "default",
  name = "ci-gate",
  description = "default correlation; fails on ambiguity, positional pairs, clone changes",
  fail_on = { ambiguous = true, positional = true, clone_change = true },
}
