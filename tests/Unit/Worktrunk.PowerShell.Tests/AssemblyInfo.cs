using Xunit;

// One runspace-hosting test at a time: sessions share process-wide state (environment, cwd-free
// but timing-sensitive child processes), and the hosted engine is not meant to be hammered in parallel.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
