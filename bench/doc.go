// Package bench holds Anju's benchmarks, each measured against the baseline
// a user would otherwise pick, in the same run, reporting the ratio as well
// as the absolute figures (this machine is small and noisy; ratios travel
// better than times). Run them with ./bench/run.
package bench
