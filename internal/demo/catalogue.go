package demo

import "calldesk/internal/desk"

// The support groups, in this order; the indexes below name them.
const (
	gServiceDesk = iota
	gNetworks
	gIdentity
	gAudioVisual
	gResearch
	gTeaching
	gDesktop
	gTelephony
)

var groupSpecs = []struct {
	name, mailbox, lead, title string
	size                       int // analysts whose first group this is
}{
	{"Service Desk", "servicedesk@uni.example", "Service Desk Manager", "Service Desk Analyst", 10},
	{"Networks", "networks@uni.example", "Network Manager", "Network Engineer", 5},
	{"Identity & Access", "identity@uni.example", "Identity and Access Manager", "Identity and Access Analyst", 4},
	{"Audio Visual", "av@uni.example", "AV Services Manager", "AV Technician", 5},
	{"Research Computing", "research-computing@uni.example", "Research Computing Manager", "HPC Systems Administrator", 4},
	{"Teaching Systems", "teaching-systems@uni.example", "Learning Technology Manager", "Learning Technologist", 4},
	{"Desktop Support", "desktop@uni.example", "Desktop Services Manager", "Desktop Support Technician", 6},
	{"Telephony", "telephony@uni.example", "Telecoms Manager", "Telecoms Engineer", 2},
}

// leaf is a problem profile calls are logged against, with what such calls say.
type leaf struct {
	name      string
	kind      desk.CallKind
	prio      desk.Priority
	weight    int // how often, relative to the other leaves
	summaries []string
	details   []string // the customer's description
	notes     []string // internal notes of the analyst working it
	fixes     []string // resolutions
}

// specialLeaves are the leaves whose calls hold special-category data (health, disability): they
// are logged marked special category.
var specialLeaves = map[string]bool{"Adjustments": true}

type branch struct {
	name   string
	group  int
	prio   desk.Priority
	leaves []leaf
}

type root struct {
	name     string
	group    int
	prio     desk.Priority
	branches []branch
}

const (
	fault   = desk.Fault
	request = desk.Request
)

// profileTree is the problem-profile tree: 9 roots, 22 branches and 32 leaves, 63 nodes.
var profileTree = []root{
	{"Accounts", gIdentity, 3, []branch{
		{"Password", gIdentity, 3, []leaf{
			{"Forgotten password", request, 3, 12,
				[]string{"Forgotten my password", "Password reset needed", "Can't remember my university password", "Password expired and reset page won't work"},
				[]string{"I've forgotten my university password and can't get into email or Moodle. I tried the self-service reset but it says my security questions aren't set up.",
					"I changed my password last week and now I can't remember it. Could you reset it please? I'm in the {building} today.",
					"My password expired over the weekend and the reset page at password.uni.example won't accept my details."},
				[]string{"Identity checked against photo ID at the {building} help point.",
					"Verified the caller with date of birth and username {username}; temporary password sent by text to the mobile on record.",
					"Self-service reset was not enrolled; enrolled the customer while on the phone."},
				[]string{"Password reset after an identity check; the customer logged in and chose a new password.",
					"Temporary password issued and self-service reset enrolled so this can be done online next time."}},
			{"Account locked out", fault, 2, 6,
				[]string{"Account locked out", "Keep getting locked out of my account", "Account locked - cannot log in to PC"},
				[]string{"My account keeps locking every few minutes since I changed my password. I think my phone is still using the old one for email.",
					"I can't log in to the PC in {room}, {building}: it says my account is locked. I have a lecture to give at {time}."},
				[]string{"Directory shows repeated bad-password attempts from a phone via ActiveSync; the old password is cached on the phone.",
					"Unlocked. Lockout source traced to a mapped drive with saved credentials on {asset}."},
				[]string{"Account unlocked; removed the old password saved on the customer's phone, no further lockouts.",
					"Cleared the saved credentials on the PC and unlocked the account."}},
		}},
		{"Multi-factor authentication", gIdentity, 3, []leaf{
			{"New phone", request, 3, 7,
				[]string{"Got a new phone - need MFA moved", "MFA: replaced my mobile", "Can't approve sign-in on my new phone"},
				[]string{"I've got a new phone and the Authenticator app no longer shows my university account, so I can't sign in to Microsoft 365 off campus.",
					"My old phone broke and I've had to get a new one. Please can you reset my multi-factor authentication?"},
				[]string{"Identity confirmed on a video call with photo ID; MFA methods cleared, customer re-registering.",
					"Issued a temporary access pass valid for 8 hours."},
				[]string{"MFA methods reset and the customer re-registered the Authenticator app on the new phone.",
					"Temporary access pass issued; the customer registered the new phone and signed in."}},
			{"No sign-in prompts", fault, 2, 4,
				[]string{"Not receiving MFA codes", "Authenticator notifications not arriving", "No text message with my sign-in code"},
				[]string{"I'm not getting the text message with the sign-in code when I log in from home. The number on my account might be an old one.",
					"The Authenticator app isn't showing any notifications so I can't approve the sign-in to Teams."},
				[]string{"The phone number on the account was an old landline; updated after verifying identity.",
					"Sign-in logs show the requests arriving but timing out on the device: battery saving was blocking notifications."},
				[]string{"Updated the phone number for text codes; the customer now receives them.",
					"Re-enabled notifications for the Authenticator app; sign-in approvals arrive again."}},
		}},
		{"Access", gIdentity, 4, []leaf{
			{"Shared drive access", request, 4, 4,
				[]string{"Access to our team's shared drive", "Please add me to our team's shared folder", "Need access to the S: drive"},
				[]string{"I've just started {indept} and need access to the team shared drive. My line manager has approved this, see below.",
					"Could I have read/write access to our department's folder on the S: drive? I need it to update the timetable spreadsheets."},
				[]string{"Approval received from the data owner by email; added to the security group.",
					"Asked the folder owner to confirm; the group is owned by the head of department."},
				[]string{"Added to the security group for the folder; the customer needs to sign out and in again to see the drive.",
					"Access granted after the data owner approved; mapped the drive with the customer."}},
		}},
	}},
	{"Email and Calendar", gServiceDesk, 3, []branch{
		{"Outlook", gServiceDesk, 3, []leaf{
			{"Not syncing", fault, 3, 5,
				[]string{"Outlook not updating", "Emails stuck in my Outbox", "Outlook not showing new emails"},
				[]string{"Outlook on my office PC stopped showing new emails this morning; they show up fine in Outlook on the web.",
					"Messages I send are sitting in my Outbox and not going. I've restarted Outlook twice."},
				[]string{"Offline data file is 48 GB; rebuilding the profile.", "Mailbox at 99% of quota; customer archiving old items."},
				[]string{"Recreated the Outlook profile; mail is syncing again.", "The mailbox was full; archived old mail to free space and the Outbox cleared."}},
			{"Crashing", fault, 3, 3,
				[]string{"Outlook crashes on startup", "Outlook keeps freezing", "Outlook closes when I open attachments"},
				[]string{"Since the update last night Outlook crashes as soon as it opens. Outlook on the web works.",
					"Outlook freezes for a minute every time I open an attachment, which makes it unusable."},
				[]string{"Faulty add-in ({app} plug-in) disabled; Outlook starts cleanly.", "Office repair run remotely on {asset}."},
				[]string{"Disabled the faulty add-in; Outlook starts normally.", "A quick repair of Microsoft 365 Apps fixed the crash."}},
		}},
		{"Shared mailboxes", gServiceDesk, 4, []leaf{
			{"Mailbox access", request, 4, 3,
				[]string{"Access to the {mailbox} mailbox", "Shared mailbox not showing in Outlook", "Send-as permission for a team mailbox"},
				[]string{"Please can I have access to the {mailbox} shared mailbox? I've taken over the role from a colleague who left.",
					"I was given access to {mailbox} but it doesn't appear in my Outlook folder list."},
				[]string{"Mailbox owner approved by email.", "Full access granted; automapping can take up to an hour."},
				[]string{"Full access and send-as granted to {mailbox}; it now appears in Outlook.", "Added the mailbox to the Outlook profile by hand."}},
		}},
		{"Phishing and spam", gServiceDesk, 2, []leaf{
			{"Suspicious email", fault, 2, 4,
				[]string{"Suspicious email asking for my password", "Phishing email - I clicked the link", "Fake invoice email received"},
				[]string{"I received an email claiming to be from IT asking me to verify my mailbox. I clicked the link and entered my password before I realised.",
					"Several people {indept} have had an email with an invoice attachment from an address we don't recognise."},
				[]string{"Password reset and sessions revoked; sign-in logs show no foreign logins.", "Message purged from all mailboxes ({n}0 recipients); sender domain blocked."},
				[]string{"Password reset, sessions signed out and the message removed from all mailboxes.", "Reported to the security team; sender blocked and message purged."}},
		}},
	}},
	{"Network", gNetworks, 3, []branch{
		{"Wi-Fi", gNetworks, 3, []leaf{
			{"eduroam", fault, 3, 9,
				[]string{"Can't connect to eduroam", "eduroam keeps dropping in the {building}", "eduroam asks for my password over and over"},
				[]string{"My laptop won't connect to eduroam. It asks for my username and password and then fails. I'm using {username}@uni.example as the username.",
					"The Wi-Fi in the {building}, room {room}, keeps dropping out every few minutes; several students have noticed it."},
				[]string{"RADIUS logs show certificate validation failures: an old eduroam profile on the device.",
					"Access point {ap} in the {building} reporting high channel use; moved it to a different channel."},
				[]string{"Removed the old eduroam profile and reinstalled it with the eduroam CAT tool; connected.",
					"Replaced the faulty access point in the {building}; coverage back to normal."}},
			{"Residences Wi-Fi", fault, 3, 5,
				[]string{"No internet in my room in halls", "Halls Wi-Fi very slow", "Can't connect my games console in halls"},
				[]string{"I'm in {halls} and the Wi-Fi in my room hasn't worked since yesterday. Other people on my corridor say the same.",
					"Can I register my games console on the halls network? It doesn't support eduroam."},
				[]string{"Switch in {halls} block C rebooted by the contractor.", "Console MAC address registered on the device portal."},
				[]string{"Fault with a switch in {halls} fixed; Wi-Fi restored.", "Device registered on the residences device portal; console online."}},
		}},
		{"Wired network", gNetworks, 3, []leaf{
			{"Dead network port", fault, 3, 2,
				[]string{"Network port not working in {room}", "No network on my desk phone or PC", "Data point dead after office move"},
				[]string{"The network socket in room {room}, {building}, doesn't work: the PC says no network cable connected.",
					"We moved offices to the {building} and neither the phone nor the PC on my desk has a connection."},
				[]string{"Port {port} patched to the wrong VLAN; corrected.", "Cable tester shows a fault in the floor box; engineer booked."},
				[]string{"Port repatched to the correct VLAN; PC online.", "Faulty cable in the floor box replaced."}},
		}},
		{"VPN", gNetworks, 2, []leaf{
			{"Cannot connect", fault, 2, 4,
				[]string{"VPN won't connect from home", "VPN error after update", "Can't reach research servers over the VPN"},
				[]string{"Since yesterday the VPN client says 'authentication failed' when I try to connect from home.",
					"I'm connected to the VPN but can't reach the file server or the finance system."},
				[]string{"Customer on an old client version; sent the link to the current installer.", "Split tunnel list missing the new finance subnet; change raised."},
				[]string{"Updated the VPN client; connects fine.", "Added the missing route to the VPN profile; servers reachable again."}},
		}},
	}},
	{"Hardware", gDesktop, 3, []branch{
		{"Desktop PC", gDesktop, 3, []leaf{
			{"Won't start", fault, 2, 3,
				[]string{"PC won't turn on", "Blue screen on my office PC", "Computer stuck on 'restarting'"},
				[]string{"My office PC ({asset}) won't switch on at all this morning, no lights.",
					"The PC in {room} shows a blue screen and restarts every time it gets to the login screen."},
				[]string{"Power supply failed; replacement fitted from stock.", "Disk errors in the event log; reimaging {asset}."},
				[]string{"Replaced the power supply; PC working.", "Reimaged the PC and restored the customer's profile."}},
			{"Running slowly", fault, 4, 3,
				[]string{"PC very slow", "Computer takes 20 minutes to log in", "Everything is slow since the update"},
				[]string{"My computer has been really slow for a week; opening a file takes minutes.",
					"It takes about twenty minutes to log in to the PC in my office every morning."},
				[]string{"Only 4 GB of RAM in {asset}; upgrade ordered.", "Large roaming profile; redirected Documents to OneDrive."},
				[]string{"Memory upgraded; login and apps much faster.", "Profile cleaned up; login now takes under a minute."}},
		}},
		{"Printing", gDesktop, 3, []leaf{
			{"Cannot print", fault, 3, 7,
				[]string{"Can't print to {printer}", "Print jobs stuck in the queue", "Printer jammed in the {building}"},
				[]string{"I've sent my dissertation to {printer} three times and nothing comes out. My print credit has gone down though.",
					"The printer on the first floor of the {building} says paper jam but there's no paper stuck."},
				[]string{"Print queue for {printer} stalled; restarted the spooler.", "Engineer call raised with the print supplier for {printer}."},
				[]string{"Restarted the print queue and refunded the failed jobs; printing again.", "Supplier engineer replaced the fuser unit; printer back in service."}},
		}},
		{"Laptops", gDesktop, 4, []leaf{
			{"Laptop loan", request, 4, 2,
				[]string{"Laptop loan for a conference", "Borrow a laptop while mine is repaired", "Loan laptop for a new starter"},
				[]string{"I need to borrow a laptop from {date} for a week for a conference abroad.",
					"My laptop is away for repair; is there a loan laptop I could use until it's back?"},
				[]string{"Loan laptop booked out; customer to collect from the {building} help point.", "Checked the loan pool: two available from Monday."},
				[]string{"Loan laptop issued; due back in two weeks.", "Loan laptop returned in good condition."}},
		}},
	}},
	{"Software", gDesktop, 3, []branch{
		{"Installation", gDesktop, 4, []leaf{
			{"Install request", request, 4, 6,
				[]string{"Install {app} please", "Need {app} on my office PC", "Request for an {app} licence"},
				[]string{"Could you install {app} on my PC ({asset})? I need it for my research.",
					"I need {app} for teaching in {room} next term; it isn't in the software centre."},
				[]string{"Licence available on the campus agreement; package pushed to {asset}.", "Not in the catalogue; licence cost sent to the customer's budget holder."},
				[]string{"{app} installed and licensed.", "{app} added to the software centre so the customer can install it."}},
		}},
		{"Microsoft 365", gServiceDesk, 3, []leaf{
			{"Teams", fault, 3, 4,
				[]string{"Teams won't load", "No sound in Teams calls", "Can't join a Teams meeting"},
				[]string{"Teams just shows a white screen and never loads on my laptop.",
					"Other people can't hear me in Teams calls, though the microphone works in other programs."},
				[]string{"Cleared the Teams cache remotely.", "Headset driver outdated; updated."},
				[]string{"Cleared the Teams cache and reinstalled; working.", "Updated the headset driver and set it as the Teams microphone."}},
			{"OneDrive", fault, 3, 3,
				[]string{"OneDrive not syncing", "Files missing from OneDrive", "OneDrive says I'm out of space"},
				[]string{"OneDrive has been stuck 'processing changes' for two days and my files aren't backing up.",
					"A folder of my teaching materials has disappeared from OneDrive. Can it be restored?"},
				[]string{"Path too long on one file blocked the sync.", "Restored the folder from the OneDrive recycle bin."},
				[]string{"Renamed the blocking file; OneDrive synced.", "Folder restored from the recycle bin."}},
		}},
	}},
	{"Accessibility", gDesktop, 3, []branch{
		// What people write when their health or a disability is why they call: special-category
		// data (UK GDPR article 9), so these calls are logged marked (specialLeaves).
		{"Assistive technology", gDesktop, 3, []leaf{
			{"Adjustments", request, 3, 2,
				[]string{"Screen reader for my visual impairment", "Dictation software for my RSI", "Reading software for my dyslexia",
					"Exam adjustments: extra time in the online quiz", "Hearing loop not working in {room}"},
				[]string{"I have a visual impairment and need JAWS on my PC ({asset}); the disability service has approved it.",
					"My RSI has flared up and my GP says I must not type for long: could Dragon be installed on {asset}?",
					"I was diagnosed with dyslexia last month. The disability adviser said Read&Write can be put on my laptop.",
					"My learning support plan gives me 25% extra time for my epilepsy, but the {module} quiz does not show it.",
					"I wear hearing aids and the hearing loop in {room} has been silent for two lectures."},
				[]string{"Disability service confirmed the adjustment; licence assigned.", "Customer's support plan checked with Student Wellbeing.",
					"Loop amplifier in {room} found switched off at the wall."},
				[]string{"Assistive software installed and set up with the customer.", "Extra time applied to the quiz settings; the customer was told.",
					"Hearing loop amplifier back on and tested with the customer."}},
		}},
	}},
	{"Teaching Systems", gTeaching, 3, []branch{
		{"Moodle", gTeaching, 2, []leaf{
			{"Course not visible", fault, 2, 6,
				[]string{"Can't see my {module} Moodle page", "Module missing from my Moodle dashboard", "Students can't see the {module} course"},
				[]string{"I'm enrolled on {module} but it isn't on my Moodle dashboard and the first assessment is next week.",
					"None of my students can see the {module} page; I think it's hidden."},
				[]string{"Enrolment missing in the student record feed; raised with Registry.", "Course visibility set to hidden; changed."},
				[]string{"Enrolment synced from the student record; the course now shows.", "Made the course visible to students."}},
			{"Assignment submission", fault, 2, 4,
				[]string{"Can't submit my {module} assignment", "Turnitin submission failed - deadline today", "Submission button missing"},
				[]string{"I'm trying to submit my {module} essay and it keeps failing. The deadline is {time} today!",
					"The submit button isn't showing for the {module} coursework assignment."},
				[]string{"File 120 MB, over the limit; advised compressing images.", "Assignment dates were set wrongly; module leader informed."},
				[]string{"Submission received after compressing the file; module leader told of the timing.", "Corrected the assignment settings; submissions open."}},
		}},
		{"Lecture capture", gTeaching, 3, []leaf{
			{"Recording missing", fault, 3, 3,
				[]string{"Lecture recording missing for {module}", "Lecture capture didn't record in {room}", "Recording has no sound"},
				[]string{"My {module} lecture in {room} on Tuesday wasn't recorded even though it was scheduled.",
					"The recording of the {module} lecture has video but no sound."},
				[]string{"Capture agent in {room} offline since the weekend.", "Microphone not selected as the input on the lectern PC."},
				[]string{"Capture agent restarted; recordings working and the module leader informed.", "Audio input fixed; recording re-processed with the backup audio."}},
		}},
	}},
	{"Audio Visual", gAudioVisual, 2, []branch{
		{"Teaching rooms", gAudioVisual, 2, []leaf{
			{"Projector", fault, 1, 3,
				[]string{"Projector not working in {room}", "No picture from the lectern PC", "Projector flickering in the {building}"},
				[]string{"The projector in {room}, {building}, won't turn on and my lecture starts in ten minutes.",
					"The projector flickers and cuts out every few minutes in {room}."},
				[]string{"Technician sent to {room}; projector lamp at end of life.", "HDMI cable in the lectern faulty."},
				[]string{"Replaced the projector lamp; working.", "Replaced the HDMI cable in the lectern."}},
			{"Audio", fault, 2, 2,
				[]string{"Radio mic not working in {room}", "No sound from the speakers", "Hearing loop not working"},
				[]string{"The radio microphone in {room} keeps cutting out.", "There's no sound from the speakers when I play a video in {room}."},
				[]string{"Mic batteries flat; spares put in the lectern drawer.", "Amplifier tripped; reset."},
				[]string{"Replaced the batteries and added spares.", "Reset the amplifier; sound working."}},
		}},
		{"Events", gAudioVisual, 4, []leaf{
			{"Event support", request, 4, 1,
				[]string{"AV support for an event in the {building}", "Hybrid event on {date}", "Microphones and recording for a public lecture"},
				[]string{"We're running a public lecture in the {building} on {date} and need two microphones, recording and a technician.",
					"Please can we have AV support for a hybrid event on {date}, with about 40 people online."},
				[]string{"Technician booked; kit list agreed.", "Room booked for a set-up test the day before."},
				[]string{"Event supported; recording sent to the organiser.", "Hybrid event ran without issues."}},
		}},
	}},
	{"Research Computing", gResearch, 3, []branch{
		{"HPC cluster", gResearch, 3, []leaf{
			{"Account request", request, 4, 1,
				[]string{"HPC account request", "Access to the GPU partition", "Cluster account for my PhD student"},
				[]string{"I'd like an account on the HPC cluster for project {project}. My supervisor has approved it.",
					"Could my account be added to the GPU partition? I need it for training models in {rapp}."},
				[]string{"Project code checked with the Research Office.", "Added to the gpu group."},
				[]string{"Account created and added to the {project} project.", "GPU partition access granted."}},
			{"Job failing", fault, 3, 2,
				[]string{"Jobs stuck in the queue", "Job killed - out of memory", "Module load error for {rapp}"},
				[]string{"My jobs have been pending for three days. Is something wrong with the scheduler?",
					"'module load {rapp}' fails with a library error since the maintenance."},
				[]string{"Fair-share usage high for the group; jobs will start.", "Module file pointed at the old build; fixed."},
				[]string{"Explained fair-share; jobs now running.", "Fixed the {rapp} module after the upgrade."}},
		}},
		{"Research data", gResearch, 2, []leaf{
			{"Restore from backup", request, 2, 1,
				[]string{"Restore a deleted folder from research storage", "Files overwritten - need yesterday's version", "Restore project data"},
				[]string{"I accidentally deleted the results folder for {project} on research storage. Can it be restored from backup?",
					"A script overwrote my data files this morning; could you restore the versions from last night?"},
				[]string{"Snapshot from 02:00 found; restore running.", "Restored to a separate folder so nothing newer is overwritten."},
				[]string{"Folder restored from last night's snapshot.", "Files restored; the customer confirmed the data is complete."}},
		}},
	}},
	{"Telephony", gTelephony, 3, []branch{
		{"Desk phones", gTelephony, 3, []leaf{
			{"No service", fault, 3, 2,
				[]string{"Desk phone says no service", "Can't dial external numbers", "Phone not ringing"},
				[]string{"My desk phone shows 'no service' and I can't make or receive calls.",
					"I can call internal numbers but anything external gives an engaged tone."},
				[]string{"Phone not registered after a power cut; re-provisioned.", "Class of service on the extension set to internal only."},
				[]string{"Phone re-provisioned; working.", "Changed the extension's class of service to allow national calls."}},
		}},
		{"Mobiles", gTelephony, 3, []leaf{
			{"Lost or stolen", fault, 1, 1,
				[]string{"Lost my work mobile", "Work phone stolen", "Left my work phone on the train"},
				[]string{"I left my work mobile on the train this morning. It has my email on it.",
					"My work phone was stolen last night; it's reported to the police."},
				[]string{"SIM barred with the network; device wipe sent.", "Sessions revoked and password reset as a precaution."},
				[]string{"Device wiped, SIM barred and a replacement ordered.", "Replacement phone issued and set up."}},
			{"New mobile", request, 4, 1,
				[]string{"New work mobile request", "Mobile for a new starter", "Upgrade my work phone"},
				[]string{"Please could we order a mobile phone for our new member of staff starting on {date}? Budget code approved.",
					"My work phone is five years old and no longer gets updates. Can I have a replacement?"},
				[]string{"Order placed with the supplier.", "Budget holder approval received."},
				[]string{"Phone delivered and set up with the customer.", "Replacement phone issued; old one wiped and recycled."}},
		}},
	}},
}

// Diary texts shared by every profile.
var (
	// asks are public updates asking the customer something, each with answers that fit it.
	asks = []struct {
		ask     string
		replies []string
	}{
		{"Hi {first}, thanks for getting in touch. Could you tell me the asset tag of the machine (the sticker starting UNI-)?",
			[]string{"The asset tag is {asset}.", "It's {asset}, on the front of the base unit."}},
		{"Hi {first}, could you send a screenshot of the error message, please?",
			[]string{"Screenshot attached. It happens every time I log in.", "Here it is: it just says 'something went wrong' and a long code."}},
		{"Hi {first}, when would be a good time for one of our technicians to come to the {building}?",
			[]string{"I'm in the {building} until 4pm today if someone can come over.", "Tomorrow morning is best; I'm in room {room}."}},
		{"Hi {first}, I've made a change at our end. Could you try again and let us know whether it works now?",
			[]string{"Thanks, that's working now.", "Still not working I'm afraid, same error as before.", "Better, but it still happens now and then."}},
		{"Hi {first}, could you confirm which building and room you are in?",
			[]string{"Room {room}, {building}.", "I'm in the {building}, room {room}."}},
	}
	updateTexts = []string{
		"Hi {first}, just to let you know we're looking into this and will update you by the end of the day.",
		"Hi {first}, this has been passed to a specialist team, who will be in touch.",
		"Hi {first}, we've found the cause and are working on a fix.",
	}
	chaser    = "Any update on this please? It's holding up my work."
	noteTexts = []string{
		"Called {first}, no answer; left a voicemail.",
		"Spoke to {first}; will connect remotely to {asset} after 2pm.",
		"Followed knowledge base article KB{kb}.",
		"Similar calls from the {building} this morning; checking for a wider problem.",
	}
	pendReasons = []string{"waiting for the supplier", "waiting for line manager approval",
		"waiting for the data owner to approve", "waiting for a change window"}
	holdReasons = []string{"replacement part on order from the supplier", "customer on annual leave",
		"scheduled for the next maintenance window", "waiting for a purchase order", "engineer visit booked"}
	cancelReasons = []string{"logged in error", "the customer fixed it themselves", "no longer needed",
		"the customer withdrew the request"}
	reopenReasons = []string{"the customer reports the problem has come back", "the fix did not last",
		"the customer says it is still not working"}
)
