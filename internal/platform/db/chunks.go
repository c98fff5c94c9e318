package db

// ChunkSize is how many of n rows the next multi-row statement should
// write. A statement's text grows with its rows, and both statement caches
// (SQLite's, stmtcache.go; pgx's prepared statements) keep one entry per
// text: cutting n into chunks of a few fixed sizes keeps the texts few, so
// they stay compiled, where a statement for every n would fill the caches
// and be compiled each time.
func ChunkSize(n int) int {
	for _, k := range chunkSizes {
		if n >= k {
			return k
		}
	}
	return n
}

var chunkSizes = []int{256, 64, 16, 4, 1}
