// Package csvtest writes made-up nightly directory exports for tests and benchmarks of the CSV
// import (issue 6): a deterministic university of n people, and the same university the next
// night with a share of them changed. It is imported by tests only.
package csvtest

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
)

// Mapping is the directory.ParseCSVMapping configuration of the exports Write writes.
const Mapping = "key=PersonID,first=Forename,last=Surname,username=Login,email=Email,student=StudentNo," +
	"department=Dept,phone=Tel,title=JobTitle,manager=ManagerID,kind=Type"

// header is the exports' first line, in the order Mapping names the columns.
var header = []string{"PersonID", "Forename", "Surname", "Login", "Email", "StudentNo", "Dept", "Tel", "JobTitle", "ManagerID", "Type"}

var (
	firstNames = []string{"Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Noah", "Mia", "Jack", "Ivy",
		"Charlie", "Freya", "Leo", "Lily", "Oscar", "Florence", "Arthur", "Emily", "Muhammad", "Sophia",
		"Thomas", "Grace", "James", "Ella", "William", "Evie", "Rhys", "Siân", "Dafydd", "Cerys",
		"Aoife", "Niamh", "Seán", "Zoë", "Chloé", "Priya", "Aisha", "Wei", "Olamide", "Kwame",
		"Margaret", "David", "Sarah", "Ruth", "Iain", "Catriona", "Eilidh", "Callum", "Mateusz", "Ana"}
	lastNames = []string{"Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson",
		"Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall",
		"Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill",
		"O'Brien", "Ní Bhriain", "ap Gruffydd", "MacDonald", "McLeod", "Khan", "Ahmed", "Zhang", "Nowak", "Okafor",
		"Campbell", "Stewart", "Morgan", "Price", "Owen", "Kelly", "Murphy", "Byrne", "Singh", "Begum"}
	departments = []string{"School of Computing", "School of Nursing", "Business School", "School of Law",
		"History, Heritage and Archaeology", "School of Engineering", "School of Music", "Library",
		"Estates", "Finance Office", "Registry", "IT Services", "Students' Union", "School of Medicine",
		"Centre for Irish Studies", "Department of Physics"}
	staffTitles = []string{"Lecturer", "Senior Lecturer", "Professor", "Research Fellow", "Administrator",
		"Technician", "Librarian", "Porter", "Head of School", "Accounts Assistant", "IT Analyst"}
	studentCodes = []string{"UG", "UG", "UG", "PGT", "PGR", "STU"}
)

// StaffShare is the share of people Write makes staff; the others are students.
const StaffShare = 0.2

// person is one row of an export.
type person struct {
	key, first, last, login, email, studentNo, dept, tel, title, manager, kind string
}

// Write writes an export of n people, the same for the same n and seed: a header, then people
// with unique keys (P followed by seven digits), usernames and emails; a fifth staff (with a
// phone, a job title and a manager among the staff before them, the first staff having none),
// the rest students (with an eight-digit student number). changed is the share of people whose
// directory data differ from the seed's export (a new department, phone, job title or surname),
// the same people for the same seed whatever n (and a larger share the same people and more); it returns how many were changed: writing the
// export with changed 0 and then 0.01 is a night and the next with 1% of people changed.
func Write(w io.Writer, n int, seed int64, changed float64) (int, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	if err := cw.Write(header); err != nil {
		return 0, err
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6373767465737431))
	// Which people change is drawn from its own stream, so that the people are the same whether
	// or not any change.
	pick := rand.New(rand.NewPCG(uint64(seed), 0x6368616e67656421))
	var staff []string
	emails := map[string]int{}
	count := 0
	row := make([]string, len(header))
	for i := range n {
		p := person{key: fmt.Sprintf("P%07d", 1000000+i)}
		p.first = firstNames[rng.IntN(len(firstNames))]
		p.last = lastNames[rng.IntN(len(lastNames))]
		p.dept = departments[rng.IntN(len(departments))]
		isStaff := i == 0 || rng.Float64() < StaffShare
		local := asciiLower(p.first) + "." + asciiLower(p.last)
		if isStaff {
			p.kind = "STF"
			p.login = fmt.Sprintf("%c%c%d", asciiLower(p.first)[0], asciiLower(p.last)[0], 100+i)
			p.tel = fmt.Sprintf("01234 %06d", 500000+rng.IntN(100000))
			p.title = staffTitles[rng.IntN(len(staffTitles))]
			if len(staff) > 0 {
				p.manager = staff[rng.IntN(min(len(staff), 1+len(staff)/10))] // managers are the earlier staff
			}
			staff = append(staff, p.key)
			if k := emails[local]; k > 0 {
				p.email = local + strconv.Itoa(k) + "@example.ac.uk"
			} else {
				p.email = local + "@example.ac.uk"
			}
			emails[local]++
		} else {
			p.kind = studentCodes[rng.IntN(len(studentCodes))]
			p.login = "s" + strconv.Itoa(2000000+i)
			p.studentNo = strconv.Itoa(20000000 + i)
			p.email = p.login + "@student.example.ac.uk"
		}
		// Both draws every row, so that a larger share changes the same people and more.
		change, c := pick.Float64() < changed, pick.IntN(4)
		if change {
			count++
			switch {
			case c == 0 || !isStaff && c >= 2:
				p.dept = "Changed " + p.dept
			case c == 1:
				p.last += "-Changed"
			case c == 2:
				p.tel = fmt.Sprintf("01234 %06d", 600000+i%100000)
			default:
				p.title = "Acting " + p.title
			}
		}
		row = append(row[:0], p.key, p.first, p.last, p.login, p.email, p.studentNo, p.dept, p.tel, p.title, p.manager, p.kind)
		if err := cw.Write(row); err != nil {
			return count, err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return count, err
	}
	return count, bw.Flush()
}

// asciiLower makes a name into an email's local part: ASCII letters, lower case, accents dropped
// and other characters left out.
func asciiLower(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
			b = append(b, byte(r))
		case r >= 'A' && r <= 'Z':
			b = append(b, byte(r-'A'+'a'))
		case r == 'é', r == 'ë':
			b = append(b, 'e')
		case r == 'â', r == 'á':
			b = append(b, 'a')
		case r == 'í':
			b = append(b, 'i')
		}
	}
	return string(b)
}
