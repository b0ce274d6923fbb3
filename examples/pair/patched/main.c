/* Entry points that pull sched_pick() across translation units. */
int sched_pick(int cpu);
int stats_account(int v);

__attribute__((noinline)) int tick(int cpu)
{
	return stats_account(sched_pick(cpu));
}

/* New in the patch. */
__attribute__((noinline)) int tick_all(int ncpus)
{
	int sum = 0;
	for (int cpu = 0; cpu < ncpus; cpu++)
		sum += tick(cpu);
	return sum;
}
