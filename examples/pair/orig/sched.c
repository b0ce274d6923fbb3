/* A tiny "scheduler" translation unit: statics that ThinLTO promotes to
 * name.llvm.<hash> because sched_pick() is imported into main.c. */
static int nr_running;

static __attribute__((noinline)) int pick_next(int cpu)
{
	return (cpu * 7 + nr_running) & 3;
}

static __attribute__((noinline)) int update_load(int delta)
{
	nr_running += delta;
	return nr_running;
}

int sched_pick(int cpu)
{
	return pick_next(cpu) + update_load(1);
}
