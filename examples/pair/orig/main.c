/* Entry points that pull sched_pick() across translation units. */
int sched_pick(int cpu);
int stats_account(int v);

__attribute__((noinline)) int tick(int cpu)
{
	return stats_account(sched_pick(cpu));
}
