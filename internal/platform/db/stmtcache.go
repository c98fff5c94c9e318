package db

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"

	"modernc.org/sqlite"
)

// SQLite compiles every statement it is given; database/sql, used without
// prepared statements (as this package is, so that SQL stays next to the
// code that runs it), hands the driver the SQL text each time. Compiling
// was a fifth of the CPU time of petition intake. cachedConn keeps the
// compiled statements of one connection by their text, least recently used
// dropped first, and runs a query's text through its statement when it is
// free (a statement still being read — rows not yet closed — is not
// shared: the text is then compiled anew, as before).
//
// PostgreSQL needs nothing of the kind: pgx caches prepared statements per
// connection itself.

// stmtCacheSize bounds the statements one connection keeps.
const stmtCacheSize = 200

// sqliteConnector opens modernc.org/sqlite connections with a statement cache.
type sqliteConnector struct {
	dsn string
	drv *sqlite.Driver
}

func (c sqliteConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return newCachedConn(conn)
}

func (c sqliteConnector) Driver() driver.Driver { return c.drv }

// sqliteConn is what the modernc.org/sqlite connection offers database/sql.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

type cachedStmt struct {
	query string
	st    driver.Stmt
	busy  bool // rows of it are open
	drop  bool // evicted while busy: close when the rows close
	elem  *list.Element
}

type cachedConn struct {
	sqliteConn
	byText map[string]*cachedStmt
	lru    *list.List // front: most recently used
}

func newCachedConn(c driver.Conn) (driver.Conn, error) {
	sc, ok := c.(sqliteConn)
	if !ok {
		c.Close()
		return nil, errors.New("db: the sqlite driver's connection lacks an interface the statement cache needs")
	}
	return &cachedConn{sqliteConn: sc, byText: map[string]*cachedStmt{}, lru: list.New()}, nil
}

// stmt returns the free cached statement of query, compiling it if it is
// not cached; nil if it is in use.
func (c *cachedConn) stmt(ctx context.Context, query string) (*cachedStmt, error) {
	if s := c.byText[query]; s != nil {
		if s.busy {
			return nil, nil
		}
		c.lru.MoveToFront(s.elem)
		return s, nil
	}
	st, err := c.sqliteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s := &cachedStmt{query: query, st: st}
	s.elem = c.lru.PushFront(s)
	c.byText[query] = s
	for c.lru.Len() > stmtCacheSize {
		old := c.lru.Remove(c.lru.Back()).(*cachedStmt)
		delete(c.byText, old.query)
		if old.busy {
			old.drop = true
		} else {
			old.st.Close()
		}
	}
	return s, nil
}

func (c *cachedConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	return s.st.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (c *cachedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.sqliteConn.QueryContext(ctx, query, args)
	}
	rows, err := s.st.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	s.busy = true
	return &cachedRows{Rows: rows, s: s}, nil
}

func (c *cachedConn) Close() error {
	for _, s := range c.byText {
		s.st.Close()
	}
	c.byText, c.lru = nil, nil
	return c.sqliteConn.Close()
}

// cachedRows frees its statement when closed.
type cachedRows struct {
	driver.Rows
	s *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.s.busy = false
	if r.s.drop {
		r.s.st.Close()
	}
	return err
}
