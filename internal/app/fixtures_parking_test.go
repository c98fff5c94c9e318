package app

import (
	"fmt"
	"testing"

	"anju/internal/parking"
	"anju/internal/platform/auth"
)

// Fixtures of the parking module: a facility and a supply project in
// district B's street.
func init() {
	fixtures["parking_facility"] = func(t *testing.T, tc *testCity) string {
		s := parking.NewService(tc.App.DB, tc.App.Calendar, nil)
		p := auth.System("fixture")
		f, err := s.Create(sys(), p, parking.Facility{OrgUnitID: tc.StreetB.ID, Code: "FX-B-1", Name: "乙区停车场",
			Kind: parking.PublicLot, Operator: "乙区城投", Ownership: parking.Government, Address: "乙街道 1 号",
			Lat: 30.26, Lng: 120.18, TotalSpaces: 50, PublicSpaces: 50, ReservableSpaces: 10, Hours: parking.Hours{Always: true}})
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(f.ID)
	}
	fixtures["parking_project"] = func(t *testing.T, tc *testCity) string {
		s := parking.NewService(tc.App.DB, tc.App.Calendar, nil)
		pr, err := s.CreateProject(sys(), auth.System("fixture"), parking.Project{OrgUnitID: tc.StreetB.ID, Name: "乙区便民停车场",
			Address: "乙街道", Lat: 30.26, Lng: 120.18, LandSource: "cleared", Kind: parking.PublicLot, Operator: "乙区城投",
			Ownership: parking.Government, InvestorType: "public", Spaces: 60, InvestmentWan: 120, PlannedOpen: "2026-12"})
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(pr.ID)
	}
}
