-- strict: the default correlation, but anything a human should look at fails.
return {
  base = "default",
  name = "strict",
  description = "default correlation; fails (exit 2) on any ambiguity, positional pair, "
    .. "FILE list difference or clone-kind change",
  fail_on = { ambiguous = true, positional = true, file_mismatch = true, clone_change = true },
  -- A function whose only change is a line number is still changed code.
  line_changes = "changed",
}
