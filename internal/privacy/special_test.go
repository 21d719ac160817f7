package privacy

import (
	"reflect"
	"testing"
)

func TestDetectFindsSpecialCategories(t *testing.T) {
	for _, tc := range []struct {
		text string
		want map[Category][]string
	}{
		{"I was in hospital last week and my doctor's note is attached", map[Category][]string{Health: {"doctor", "hospital"}}},
		{"Because of my dyslexia I need the screen reader installed", map[Category][]string{Health: {"dyslexia"}}},
		{"I am on sick leave; DIAGNOSED with anxiety", map[Category][]string{Health: {"anxiety", "diagnosed", "sick", "sick leave"}}},
		{"I need the room for Friday prayer at the mosque", map[Category][]string{Religion: {"mosque", "prayer"}}},
		{"As the UCU rep I need the strike action mailing list", map[Category][]string{Union: {"strike action", "ucu"}}},
		{"I was arrested and have a court case on Monday", map[Category][]string{Criminal: {"arrested", "court case"}}},
		{"The LGBT+ society's mailing list; I'm bisexual", map[Category][]string{Sexuality: {"bisexual", "lgbt"}}},
		{"Our ethnic minority staff network page", map[Category][]string{Ethnicity: {"ethnic"}}},
		{"Her DNA results from the genetics lab", map[Category][]string{Genetic: {"dna", "genetics"}}},
		{"I am a Labour Party activist", map[Category][]string{Politics: {"activist", "labour party"}}},
		{"Fingerprint reader enrolment failed", map[Category][]string{Biometric: {"fingerprint"}}},
	} {
		got := map[Category][]string{}
		for _, m := range Detect(tc.text) {
			got[m.Category] = m.Words
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Detect(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

// An IT service desk's everyday words must not set the warning off.
func TestDetectLeavesEverydayITTextAlone(t *testing.T) {
	for _, text := range []string{
		"My account is disabled after too many password attempts",
		"Antivirus found a virus in the download folder",
		"There is a race condition in the sync job",
		"The disk health check fails on server LIB-2",
		"GP update does not apply the drive mappings",
		"Outlook keeps asking for my password; I'll try again tomorrow",
		"Printer on level 2 jams on every job",
		"The union of the two groups should get access",
		"Operation timed out connecting to eduroam",
		"",
	} {
		if got := Detect(text); len(got) != 0 {
			t.Errorf("Detect(%q) = %v, want nothing", text, got)
		}
	}
}

func TestDetectOrdersCategoriesAndKeepsEachWordOnce(t *testing.T) {
	got := Detect("Police asked about my medication; medication again; the mosque")
	var cats []Category
	for _, m := range got {
		cats = append(cats, m.Category)
	}
	if want := []Category{Religion, Health, Criminal}; !reflect.DeepEqual(cats, want) {
		t.Fatalf("categories %v, want %v", cats, want)
	}
	if !reflect.DeepEqual(got[1].Words, []string{"medication"}) {
		t.Fatalf("health words %v", got[1].Words)
	}
}
