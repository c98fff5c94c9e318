// Package demo generates the demo city: a fictional prefecture-level city
// (安澜市) with its administrative tree down to buildings, the bureau's
// departments, an account for every role, and — through steps that modules
// register — each module's data. The same generator fills benchmark
// databases, so it has a scale: scale 1 is about 300 compounds, scale 170
// about 50,000.
//
// Same seed and scale, same data: every random choice comes from a PCG
// stream seeded from Options.Seed and the step's name, lists are slices
// (never map iteration), ids are assigned by the generator, and timestamps
// are fixed relative to a constant epoch. The exceptions are what other
// packages stamp themselves (account creation times, password salts).
package demo

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"sync"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/org"
)

// ErrNotEmpty is returned when the database already has an administrative
// tree: the generator fills an empty database and never mixes invented
// units into real ones.
var ErrNotEmpty = errors.New("demo: the database is not empty (it already has org units); the demo city needs an empty database")

// Env is what the generator writes through. DB, Org and Auth are given by
// the caller; the rest is filled in by Generate as the platform steps run,
// so that module steps can place their data in the city and link it to the
// demo accounts.
type Env struct {
	DB   *db.DB
	Org  *org.Store
	Auth *auth.Service

	Seed  int64
	Scale int
	// City is the generated tree (set by the "city" step).
	City *City
	// Departments of the bureau, by code (set by the "departments" step).
	Departments []org.Department
	// Accounts are the demo accounts with their passwords (set by the
	// "accounts" step).
	Accounts []Account

	progress io.Writer
	counts   []Count
}

// Options choose the city.
type Options struct {
	// Seed picks every name, number and coordinate; the same seed and scale
	// give the same city.
	Seed int64
	// Scale multiplies the compounds (and streets and communities with
	// them): 1 ≈ 300 compounds, 170 ≈ 50,000. Zero means 1.
	Scale int
	// Progress receives a progress bar per step (redrawn in place on a
	// terminal, one finished line per step elsewhere); nil keeps the
	// generator quiet.
	Progress io.Writer
}

// MaxScale bounds Options.Scale: at 1000 the tree has some 3.6 million
// buildings, beyond any city.
const MaxScale = 1000

// Step is one stage of generation. Run gets the environment (with the city
// and the accounts of the steps before it) and its own random stream, seeded
// from the seed and the step's name, so a step's data do not change when
// another module adds or changes a step.
type Step struct {
	Name string // unique; shown in the progress output and seeds the step's random stream
	Run  func(ctx context.Context, env *Env, r *rand.Rand) error
}

var (
	registryMu sync.Mutex
	registry   []Step
)

// Register adds a module's step. Registered steps run after the platform's
// (city, departments, accounts), in the order they were registered; the
// app registers them in its module order. The context a step gets carries
// the demo's system principal, so that audited writes name it as the actor.
func Register(s Step) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if s.Name == "" || s.Run == nil {
		panic("demo: Register needs a step with a name and a Run function")
	}
	for _, x := range platformSteps() {
		if x.Name == s.Name {
			panic("demo: step name " + s.Name + " is taken by the platform")
		}
	}
	for _, x := range registry {
		if x.Name == s.Name {
			panic("demo: step " + s.Name + " registered twice")
		}
	}
	registry = append(registry, s)
}

// Steps lists every step in the order Generate runs them.
func Steps() []Step {
	registryMu.Lock()
	defer registryMu.Unlock()
	return append(platformSteps(), registry...)
}

func platformSteps() []Step {
	return []Step{
		{Name: "city", Run: generateCity},
		{Name: "departments", Run: generateDepartments},
		{Name: "accounts", Run: generateAccounts},
	}
}

// Result is what was generated: the accounts to hand out, and counts.
type Result struct {
	Seed  int64
	Scale int
	// Accounts, one or more for every role, with their passwords.
	Accounts []Account
	// Units counts every node of the tree, city to buildings.
	Units, Districts, Zones, Streets, Communities, Compounds, Buildings int
	// Counts are what module steps reported through Env.Count.
	Counts  []Count
	Elapsed time.Duration
}

// Count is one figure a step reports for the summary ("停车场 car parks", 120).
type Count struct {
	Label string
	N     int
}

// Count records a figure for the summary printed after generation.
func (e *Env) Count(label string, n int) { e.counts = append(e.counts, Count{label, n}) }

// Generate fills an empty database with the demo city. It refuses a
// database that already has org units (ErrNotEmpty). Steps run one after
// another, each in transactions of its own; if one fails, generation stops
// and the error names the step — start again on an empty database.
func Generate(ctx context.Context, env Env, opts Options) (*Result, error) {
	return generate(ctx, env, opts, Steps())
}

func generate(ctx context.Context, env Env, opts Options, steps []Step) (*Result, error) {
	start := time.Now()
	if env.DB == nil || env.Org == nil || env.Auth == nil {
		return nil, errors.New("demo: Env needs DB, Org and Auth")
	}
	switch {
	case opts.Scale == 0:
		opts.Scale = 1
	case opts.Scale < 0 || opts.Scale > MaxScale:
		return nil, fmt.Errorf("demo: scale %d is outside 1…%d", opts.Scale, MaxScale)
	}
	var n int
	if err := env.DB.QueryRow(ctx, `SELECT COUNT(*) FROM org_units`).Scan(&n); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if n > 0 {
		return nil, fmt.Errorf("%w: %d units found", ErrNotEmpty, n)
	}
	env.Seed, env.Scale, env.progress = opts.Seed, opts.Scale, opts.Progress
	env.City, env.Departments, env.Accounts, env.counts = nil, nil, nil, nil

	// Every write the generator makes is attributed to this principal in the
	// audit log, so that the demo data are told apart from people's work.
	ctx = auth.WithPrincipal(ctx, auth.System("demo"))
	if env.progress != nil {
		fmt.Fprintf(env.progress, "安澜市 demo city — seed %d, scale %d\n", opts.Seed, opts.Scale)
	}
	for _, s := range steps {
		if err := s.Run(ctx, &env, stepRand(opts.Seed, s.Name)); err != nil {
			if env.progress != nil {
				fmt.Fprintln(env.progress) // end the unfinished bar's line before the error is shown
			}
			return nil, fmt.Errorf("demo step %q: %w", s.Name, err)
		}
	}

	res := &Result{Seed: opts.Seed, Scale: opts.Scale, Accounts: env.Accounts, Counts: env.counts}
	if c := env.City; c != nil {
		for _, d := range c.Districts {
			if d.Kind == org.Zone {
				res.Zones++
			} else {
				res.Districts++
			}
		}
		res.Streets, res.Communities, res.Compounds = len(c.Streets), len(c.Communities), len(c.Compounds)
		res.Buildings = c.Buildings
		res.Units = 1 + len(c.Districts) + res.Streets + res.Communities + res.Compounds + res.Buildings
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// stepRand is the step's own random stream: the seed and a hash of the
// step's name seed a PCG, so streams of different steps are independent.
func stepRand(seed int64, name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(uint64(seed), h.Sum64()))
}

// system is the principal the org store checks generated writes against.
var system = auth.System("demo")
