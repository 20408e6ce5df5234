// The simulator tests drive a silo on a fast clock and the scheduler test measures throughput:
// other tests running beside them on a two-core machine would stall them. The rest take seconds.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
