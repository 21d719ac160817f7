package demo

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// Names common in the UK, with a share of the names a UK university's people carry from elsewhere.
var firstNames = []string{
	"Oliver", "George", "Harry", "Jack", "Jacob", "Noah", "Charlie", "Thomas", "Oscar", "William",
	"James", "Henry", "Leo", "Alfie", "Joshua", "Freddie", "Archie", "Ethan", "Isaac", "Alexander",
	"Daniel", "Samuel", "Joseph", "Max", "Lucas", "Benjamin", "Adam", "Mohammed", "Ryan", "Liam",
	"Callum", "Connor", "Lewis", "Jamie", "Rhys", "Owen", "Dylan", "Euan", "Ross", "Fraser",
	"David", "Michael", "Andrew", "Paul", "Mark", "Richard", "Stephen", "Peter", "Simon", "Graham",
	"Amelia", "Olivia", "Isla", "Ava", "Emily", "Sophia", "Grace", "Lily", "Ella", "Mia",
	"Isabella", "Poppy", "Jessica", "Sophie", "Chloe", "Evie", "Ruby", "Charlotte", "Freya", "Daisy",
	"Hannah", "Lucy", "Megan", "Holly", "Eleanor", "Rosie", "Alice", "Phoebe", "Niamh", "Ellie",
	"Sarah", "Emma", "Rachel", "Claire", "Helen", "Karen", "Susan", "Catherine", "Rebecca", "Laura",
	"Fiona", "Siobhan", "Bethan", "Carys", "Ffion", "Aoife", "Caitlin", "Kirsty", "Gemma", "Zoe",
	"Priya", "Aisha", "Fatima", "Amira", "Zara", "Anika", "Sana", "Maryam", "Leila", "Yasmin",
	"Arjun", "Rohan", "Imran", "Hamza", "Yusuf", "Omar", "Ravi", "Sanjay", "Vikram", "Aman",
	"Wei", "Jun", "Mei", "Li", "Hao", "Yan", "Kwame", "Kofi", "Chidi", "Ngozi",
	"Oluwaseun", "Tunde", "Amara", "Zainab", "Piotr", "Katarzyna", "Agnieszka", "Tomasz", "Marta", "Lukasz",
	"Sofia", "Matteo", "Giulia", "Lucia", "Pablo", "Elena", "Ana", "Joao", "Ines", "Mateus",
	"Nikos", "Eleni", "Lars", "Ingrid", "Johanna", "Felix", "Hugo", "Clara", "Theo", "Nina",
}

var lastNames = []string{
	"Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson",
	"Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall",
	"Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill",
	"Ward", "Morris", "Moore", "Clark", "Lee", "King", "Baker", "Harrison", "Morgan", "Allen",
	"James", "Scott", "Phillips", "Watson", "Davis", "Parker", "Price", "Bennett", "Young", "Griffiths",
	"Mitchell", "Kelly", "Cook", "Carter", "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy",
	"Miller", "Cox", "Richards", "Khan", "Marshall", "Anderson", "Simpson", "Ellis", "Adams", "Singh",
	"Begum", "Wilkinson", "Foster", "Chapman", "Powell", "Webb", "Rogers", "Gray", "Mason", "Ali",
	"Hunt", "Hussain", "Campbell", "Matthews", "Owen", "Palmer", "Holmes", "Mills", "Barnes", "Knight",
	"Lloyd", "Butler", "Russell", "Barker", "Fisher", "Stevens", "Jenkins", "Murray", "Dixon", "Harvey",
	"MacDonald", "Stewart", "Robertson", "Reid", "Fraser", "Ross", "Paterson", "McLean", "Ahmed", "Shah",
	"Sharma", "Kaur", "Gill", "Chowdhury", "Rahman", "Iqbal", "Nguyen", "Chen", "Wang", "Zhang",
	"Okafor", "Mensah", "Adeyemi", "Nowak", "Kowalski", "Wisniewski", "Rossi", "Garcia", "Silva", "Fernandes",
	"O'Brien", "O'Neill", "Byrne", "Doyle", "Quinn", "Gallagher", "Hughes-Jones", "Pritchard", "Vaughan", "Llewellyn",
	"Sutherland", "Burns", "Kerr", "Grant", "Hamilton", "Fletcher", "Lawrence", "Hayes", "Holland", "Hewitt",
}

// department is a school or professional service of the university.
type department struct {
	name     string
	code     string // module-code prefix for academic schools
	academic bool
	head     string // the head's job title
	titles   []string
}

var academicTitles = []string{"Lecturer", "Lecturer", "Senior Lecturer", "Senior Lecturer", "Associate Professor",
	"Professor", "Research Fellow", "Research Associate", "Teaching Fellow", "School Administrator", "Technician",
	"Postgraduate Research Administrator"}

var departments = []department{
	{"School of Computing", "COMP", true, "Head of School", academicTitles},
	{"School of Mathematics", "MATH", true, "Head of School", academicTitles},
	{"School of Physics and Astronomy", "PHYS", true, "Head of School", academicTitles},
	{"School of Chemistry", "CHEM", true, "Head of School", academicTitles},
	{"School of Biological Sciences", "BIOL", true, "Head of School", academicTitles},
	{"School of Medicine", "MEDI", true, "Dean of Medicine", append([]string{"Clinical Lecturer", "Clinical Skills Tutor"}, academicTitles...)},
	{"School of Nursing and Midwifery", "NURS", true, "Head of School", append([]string{"Lecturer in Nursing", "Placement Coordinator"}, academicTitles...)},
	{"School of Law", "LAWS", true, "Head of School", academicTitles},
	{"Business School", "BUSI", true, "Dean of the Business School", academicTitles},
	{"School of History", "HIST", true, "Head of School", academicTitles},
	{"School of English", "ENGL", true, "Head of School", academicTitles},
	{"School of Modern Languages", "LANG", true, "Head of School", append([]string{"Language Tutor"}, academicTitles...)},
	{"School of Psychology", "PSYC", true, "Head of School", academicTitles},
	{"School of Geography", "GEOG", true, "Head of School", academicTitles},
	{"School of Engineering", "ENGR", true, "Head of School", append([]string{"Workshop Technician"}, academicTitles...)},
	{"School of Education", "EDUC", true, "Head of School", academicTitles},
	{"School of Music", "MUSI", true, "Head of School", append([]string{"Instrumental Tutor"}, academicTitles...)},
	{"School of Art and Design", "ARTD", true, "Head of School", append([]string{"Studio Technician"}, academicTitles...)},
	{"School of Economics", "ECON", true, "Head of School", academicTitles},
	{"School of Philosophy", "PHIL", true, "Head of School", academicTitles},
	{"Library", "", false, "University Librarian", []string{"Library Assistant", "Subject Librarian", "Archivist", "Library Systems Officer"}},
	{"Estates and Facilities", "", false, "Director of Estates", []string{"Maintenance Technician", "Facilities Manager", "Porter", "Building Manager", "Energy Officer"}},
	{"Finance", "", false, "Director of Finance", []string{"Finance Officer", "Accounts Payable Assistant", "Management Accountant", "Procurement Officer"}},
	{"Human Resources", "", false, "Director of Human Resources", []string{"HR Advisor", "HR Business Partner", "Payroll Officer", "Recruitment Administrator"}},
	{"Registry", "", false, "Academic Registrar", []string{"Admissions Officer", "Timetabling Officer", "Examinations Officer", "Student Records Officer"}},
	{"Student Services", "", false, "Director of Student Services", []string{"Student Adviser", "Disability Adviser", "International Student Adviser", "Funding Adviser"}},
	{"Marketing and Communications", "", false, "Director of Marketing", []string{"Communications Officer", "Web Editor", "Events Coordinator", "Graphic Designer"}},
	{"Research and Innovation Office", "", false, "Director of Research and Innovation", []string{"Research Funding Officer", "Contracts Manager", "Impact Officer"}},
	{"Governance and Legal Services", "", false, "University Secretary", []string{"Governance Officer", "Legal Adviser", "Records Manager", "Information Compliance Officer"}},
	{"Accommodation Office", "", false, "Head of Accommodation", []string{"Accommodation Officer", "Residence Life Adviser"}},
	{"Careers Service", "", false, "Head of Careers", []string{"Careers Consultant", "Employer Liaison Officer"}},
	{"IT Services", "", false, "Director of Digital Services", []string{"Information Security Manager", "Enterprise Architect", "Project Manager", "Business Analyst"}},
}

// Indexes of departments the generator names: the analysts' and the DPO's.
const (
	governance = 28
	itServices = 31
)

var buildings = []string{"Turing Building", "Newton Building", "Rosalind Franklin Building", "Brunel Hall",
	"Ada Lovelace Centre", "Harrison Lecture Theatre", "Main Library", "Students' Union", "Old Quad", "Kelvin Building",
	"Elizabeth Fry Building", "Darwin Building", "Sports Centre", "Medical School", "Mary Seacole Building",
	"Faraday Laboratories", "Business School", "Arts Tower"}

var halls = []string{"Hawthorn Halls", "Willow Court", "Riverside Village", "Oak House", "Beech Grove", "St Hilda's Court"}

var apps = []string{"SPSS", "MATLAB", "ArcGIS Pro", "NVivo", "Stata", "RStudio", "EndNote", "Adobe Acrobat Pro",
	"Adobe Creative Cloud", "AutoCAD", "SolidWorks", "LabVIEW", "Mathematica", "ChemDraw", "Zotero", "Python (Anaconda)"}

var researchApps = []string{"GROMACS", "Python 3.12", "R 4.4", "OpenFOAM", "TensorFlow", "PyTorch", "Gaussian", "LAMMPS", "CUDA 12"}

var printers = []string{"LIB-MFD-01", "LIB-MFD-04", "TUR-G-PRN2", "NEW-1-MFD", "ROS-2-MFD", "BRU-G-PRN1", "KEL-3-MFD", "ADA-1-PRN"}

var sharedMailboxes = []string{"admissions@uni.example", "hr-recruitment@uni.example", "exams@uni.example",
	"research-office@uni.example", "library-enquiries@uni.example", "accommodation@uni.example",
	"finance-payments@uni.example", "timetabling@uni.example"}

var partnerOrgs = []struct{ name, domain string }{
	{"City Hospitals NHS Trust", "cityhospitals-nhs.example"},
	{"Northgate College", "northgate-college.example"},
	{"BioInnovate Ltd", "bioinnovate.example"},
	{"County Council", "county-council.example"},
	{"Riverside Academy Trust", "riverside-trust.example"},
}

var partnerTitles = []string{"Honorary Lecturer", "Clinical Placement Supervisor", "Honorary Research Fellow",
	"Industrial Supervisor", "Visiting Clinician", "Associate Tutor", "Contractor"}

var visitorTitles = []string{"Visiting Researcher", "Visiting Lecturer", "External Examiner", "Conference Delegate", "Visiting Student"}

// pick returns a random element of xs.
func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// chance reports true with probability p.
func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

// vars is what a call's texts may mention. Fields are chosen the first time a template uses them, so
// the summary, description and diary of one call talk about the same building, app or printer.
type vars struct {
	r                                                          *rand.Rand
	customer                                                   *person
	building, room, app, rapp, printer, module, asset, mailbox string
	hall, date, clock, ap, port, project                       string
}

func (v *vars) reset(r *rand.Rand, customer *person) {
	*v = vars{r: r, customer: customer}
}

func (v *vars) value(key string) string {
	r := v.r
	memo := func(f *string, make func() string) string {
		if *f == "" {
			*f = make()
		}
		return *f
	}
	switch key {
	case "first":
		return v.customer.FirstName
	case "name":
		return v.customer.Name()
	case "username":
		return v.customer.Username
	case "dept":
		return v.customer.Department
	case "indept":
		d := v.customer.Department
		for _, the := range []string{"School", "Library", "Business School", "Registry", "Research", "Accommodation", "Careers", "Vice"} {
			if strings.HasPrefix(d, the) {
				return "in the " + d
			}
		}
		return "in " + d
	case "title":
		if v.customer.JobTitle == "" {
			return "Student"
		}
		return v.customer.JobTitle
	case "building":
		return memo(&v.building, func() string { return pick(r, buildings) })
	case "room":
		return memo(&v.room, func() string {
			return pick(r, []string{"G.", "1.", "2.", "3.", "LT"}) + strconv.Itoa(1+r.IntN(40))
		})
	case "app":
		return memo(&v.app, func() string { return pick(r, apps) })
	case "rapp":
		return memo(&v.rapp, func() string { return pick(r, researchApps) })
	case "printer":
		return memo(&v.printer, func() string { return pick(r, printers) })
	case "module":
		return memo(&v.module, func() string {
			code := departments[r.IntN(20)].code
			if d := v.customer.dept; d >= 0 && departments[d].academic {
				code = departments[d].code
			}
			return code + strconv.Itoa(1+r.IntN(3)) + strconv.Itoa(100+r.IntN(900))
		})
	case "asset":
		return memo(&v.asset, func() string { return "UNI-" + strconv.Itoa(10000+r.IntN(90000)) })
	case "mailbox":
		return memo(&v.mailbox, func() string { return pick(r, sharedMailboxes) })
	case "halls":
		return memo(&v.hall, func() string { return pick(r, halls) })
	case "date":
		return memo(&v.date, func() string {
			return pick(r, []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"}) + " " +
				strconv.Itoa(1+r.IntN(28)) + " " + pick(r, []string{"January", "February", "March", "April", "May", "June",
				"July", "September", "October", "November", "December"})
		})
	case "time":
		return memo(&v.clock, func() string { return pick(r, []string{"9am", "10am", "11am", "noon", "1pm", "2pm", "3pm", "4pm"}) })
	case "ap":
		return memo(&v.ap, func() string { return "AP-" + strconv.Itoa(100+r.IntN(800)) })
	case "port":
		return memo(&v.port, func() string {
			return strconv.Itoa(1+r.IntN(4)) + "/" + strconv.Itoa(1+r.IntN(2)) + "/" + strconv.Itoa(1+r.IntN(48))
		})
	case "project":
		return memo(&v.project, func() string {
			return pick(r, []string{"CLIMATE-ADAPT", "NeuroMap", "GenomeUK", "COAST", "FutureCities", "QuantumLink", "MedImage", "DeepSoil"})
		})
	case "kb":
		return strconv.Itoa(1000 + r.IntN(400))
	case "n":
		return strconv.Itoa(2 + r.IntN(9))
	}
	return "{" + key + "}"
}

// fill expands the {key} fields of template t.
func (v *vars) fill(t string) string {
	if strings.IndexByte(t, '{') < 0 {
		return t
	}
	var b strings.Builder
	b.Grow(len(t) + 32)
	for {
		i := strings.IndexByte(t, '{')
		if i < 0 {
			b.WriteString(t)
			return b.String()
		}
		j := strings.IndexByte(t[i:], '}')
		if j < 0 {
			b.WriteString(t)
			return b.String()
		}
		b.WriteString(t[:i])
		b.WriteString(v.value(t[i+1 : i+j]))
		t = t[i+j+1:]
	}
}
