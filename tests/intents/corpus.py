"""Labelled caller utterances for the built-in global intents.

Global intents are checked in every state *before* the state's own parsing, so
a false positive costs more than a miss: "help" on "can you help me book"
answers with the help line instead of booking, "bye" on "goodbye Tuesday is
fine" hangs up. So besides what callers say to ask for a person, a repeat, a
fresh start, help or the end of the call, the corpus holds hard negatives:
answers to the agent's own questions (names, dates, emails, yes/no), domain
statements that share the words ("my agent told me", "restart the router",
"sorry, what time do you close"), negations and questions about the agent.

A lone "what" is labelled ``None``: it is also how a question cut short by the
speech-to-text endpointer arrives, and the miss path asks the question again
anyway (``flows/support_triage.test.yaml`` uses it as an unclear answer).

Style: lower case without punctuation, as speech-to-text hands it over, with
hesitations ("uh", "um", "like") and self-repairs ("a per- a person"); some
utterances keep punctuation and capitals, as other STT engines write.

Batch "A" was written first and the matcher developed against it; batches "B"
and "C" were written before the new matcher was run on them (held-out checks
that "A" was not simply tuned to the code; "B" was written alongside the
grammar's design, "C" after it, so "C" is the more honest of the two). Labels
are one intent or ``None``.
"""

from __future__ import annotations

from typing import NamedTuple


class Sample(NamedTuple):
    text: str
    intent: str | None
    batch: str


def _batch(batch: str, intent: str | None, texts: str) -> list[Sample]:
    return [Sample(t.strip(), intent, batch) for t in texts.strip().splitlines() if t.strip()]


HUMAN_A = """
human
a human
human please
human being please
i want a human
i want to talk to a human
i want to speak to a human being
can i talk to a human
can i speak to a real person
let me talk to a real person
put me through to someone
can you put me through to someone please
transfer me
transfer me to an agent
can you transfer me to a person
connect me with a representative
agent
agent please
an agent please
live agent
operator
operator please
representative
representative please
customer service
a person
a person please
real person
someone real
someone real please
is there a human there
is there a real person i can talk to
is there anyone i can speak to
can i speak to a manager
i'd like to speak with a supervisor
get me a manager
i need to talk to somebody
i need to speak to someone
uh can i um talk to a person
um operator
like can i just talk to a real person
i want to talk to a per a person
i want a hu a human
can i speak to a to a human
i want to talk to an actual human
talk to a human
speak to a representative
just give me a person
give me a human please
i wanna talk to a real person
i've been trying to reach a human for an hour
this is useless let me talk to someone
no i want to speak to a person
agent agent
representative representative
yeah can i talk to someone about my bill
i would like to speak to a member of staff
can i have a word with someone
could you connect me to reception
Agent, please.
Can I speak to a human?
I want a human!
Operator!
HUMAN
Let me talk to a real person, please.
no agent please
can i speak to the dentist
transfer me to billing
connect me to the billing department please
"""

HUMAN_NEG_A = """
i don't want a human
no need for an agent
i don't need to talk to anyone
no i don't want to speak to a person
you don't need to transfer me
i'm not asking for a manager
can i do this without talking to a person
are you a human
are you a real person
am i talking to a real person
is this a real person
you sound like a real person
my agent told me to call
the agent said my claim was approved
i spoke to a person yesterday
i already talked to someone
someone stole my card
someone called me from this number
i need someone to look at my tooth
i'm a travel agent
my insurance agent gave me this number
the operator of the clinic
is it in person
i'd like an in person appointment
human resources
customer service told me to call back
your customer service is terrible
person number two
agenda
my name is will
i want to transfer money to my savings
transfer my balance
can i talk to you about my bill
i'd like to talk about my bill
put me down for tuesday
can someone's name be on the account
nobody answered the phone
i'm the manager of the store
i am a real person
my representative is john
john dot agent at gmail dot com
i'm booking for a person with a disability
transfer
who should i talk to about my bill
we need a person to come out and fix it
i need a dentist
that's all right
no that's all right
I don't want a human.
No need for an agent, thanks.
"""

GOODBYE_A = """
bye
goodbye
good bye
bye bye
ok bye
okay thanks bye
thank you goodbye
thanks bye bye
that's all
that's all thanks
that's all for now
that's it thanks
no that's it
no that's all thank you
nothing else
no nothing else thanks
i'm done
i'm done thanks
we're done
we're done here
all done
have a nice day
have a good day
thanks have a good one
talk to you later
see you later
see ya
bye for now
i have to go
gotta go bye
i'm going to hang up now
you can hang up
hang up
um ok bye
uh that's all thanks bye
great thanks bye
alright cheers bye
speak to you soon
no thank you that's everything
that's everything
Bye!
Goodbye.
OK, thanks. Bye!
That's all, thank you.
"""

GOODBYE_NEG_A = """
goodbye tuesday is fine
i live on byers street
by tuesday please
by the way my card is lost
i said goodbye to my old dentist
i'm done with the form next question
when i'm done with work
i'm not done yet
we're not done
are we done
is that all
is that all you need
that's all wrong
yes that's it
that's it exactly
that's it that's the one
don't hang up
please don't hang up
i can't hang up
my phone hung up earlier
nothing else works
thanks
thank you
ok
i want to say goodbye to my account and close it
that's it for the address now the zip code
Yes, that's it.
Is that all?
can you call me back later
the payment is all done
my booking is all done
i had a good night
should i hang up
where do i have to go
"""

REPEAT_A = """
sorry
pardon
pardon me
i beg your pardon
huh
come again
sorry come again
say that again
can you say that again
could you say that again please
say again
repeat
repeat please
repeat that
please repeat that
can you repeat that
could you repeat the question
what was that
what was that again
what did you say
sorry what did you say
i didn't catch that
sorry i didn't catch that
i didn't hear you
i didn't quite catch that
one more time
one more time please
sorry what
you cut out
you're breaking up can you repeat that
excuse me
um sorry what was that
uh come again
could you repeat that one more time
can you repeat the last part
can you repeat the number
sorry i missed that
what did you just say
wait what
Sorry?
Sorry, what?
Pardon?
Excuse me?
Could you repeat that?
Say that again, please.
"""

REPEAT_NEG_A = """
sorry what time do you close
sorry i'm late
sorry my card number is four two four two
sorry wrong number
sorry i meant tuesday
what time is it
what about tuesday
what is my balance
what was that charge on my bill
pardon my french the tooth really hurts
i want to repeat my order
can you repeat my prescription
i repeat i need a refill
come again next week
i'll come again tomorrow
one more time and i'm cancelling
excuse me i have a question about my bill
what
What?
sorry to bother you
i'm sorry about that
no need to repeat that
you don't have to repeat it
don't repeat the card number
i didn't catch the bus
it's a repeat prescription
i'm a repeat customer
what's the address
Sorry, what time do you close?
Sorry, I'm late.
What about Tuesday?
"""

START_OVER_A = """
start over
let's start over
can we start over
start again
can we start again please
let me start again
start from the beginning
can we go back to the beginning
go back to the start
begin again
restart
reset
start from scratch
i want to start over
i'd like to start again
um can we just start over
this is all wrong start over
let's start from the top
from the top
can we start the whole thing again
Start over.
Can we start again?
"""

START_OVER_NEG_A = """
i don't want to start over
please don't make me start over
i had to start over with a new dentist
my tooth pain started again
the pain starts again at night
i tried to restart the router
i already restarted the router
i've had this problem from the beginning
it's been broken from the start
when does the appointment start
the start date is monday
i need to reset my pin
reset my password please
do i need to restart
should i restart it
the beginning of march
I don't want to start over.
"""

HELP_A = """
help
help me
help please
i need help
i need some help
can you help me
what can you do
what are my options
what are the options
what can i say
what do i say
how does this work
i'm confused
i'm lost
i don't understand
i don't know what to do
um help
can you help
what should i do
what options do i have
options
Help!
What are my options?
I'm confused.
"""

HELP_NEG_A = """
can you help me book an appointment
i need help with my bill
help me with my card
i need help finding my order
what can you do about my bill
what are my payment options
what are the options for delivery
i don't understand my bill
i don't understand why i was charged
thanks for your help
you've been very helpful
no help needed
i don't need help
what's the helpline number
i called the help desk
i'm not confused
i'm confused about my bill
Can you help me book an appointment?
"""

OTHER_A = """
yes please
yeah that's right
no
no thanks
yes
tuesday at three
next tuesday
my name is john smith
john dot smith at gmail dot com
four two four two four two four two four two four two four two four two
i want to book a check up
i'd like to cancel my appointment
my internet is down
i lost my card
it's for my daughter
about three o'clock
the twenty fifth of march
five five five one two three four
it's for two people
the zip code is one two three four five
Yes, please.
My name is John Smith.
"""

# ---------------------------------------------------------------- batch B (held out)

HUMAN_B = """
can i get a real human on the line
get me an operator
i'd rather talk to a person
please connect me to an agent
transfer me to customer service
i need a representative
um yeah agent
let me speak to your supervisor
can you get someone on the phone
i wanna speak with somebody
is there a person i can talk to
put a human on
could i please talk with a live person
speak to agent
just connect me to someone
talk to a real human being
Can I talk to someone, please?
I'd like to speak to an operator.
can i talk to a live agent instead
i demand to speak to a manager
human human human
uh i want a person
put me through to reception
"""

HUMAN_NEG_B = """
don't transfer me
i do not want an agent
no agent needed
i'm fine without a person
my real estate agent
the person on the card is my husband
i'm calling on behalf of another person
are you a robot
is this an automated system
someone broke into my account
i want to talk about my appointment
can i speak now
let me speak
i'd like to speak to you about a refund
the manager approved it already
somebody already booked that slot
in person please
per person how much is it
"""

GOODBYE_B = """
okay goodbye then
thanks so much bye
that'll be all
that will be all thank you
no that's all i needed
alright take care bye
ok cheers bye
nope that's everything
bye now
goodbye!
Thanks, that's all.
i gotta go
speak soon bye
"""

GOODBYE_NEG_B = """
by friday
goodbye is what i said to my last bank
i'm done with my old provider
are we all done
is that everything
nothing else matters
no don't hang up
the line hung up on me before
that's it right there
bye the way i lost my card
"""

REPEAT_B = """
sorry say again
what did you say there
could you say it again
can you please repeat
didn't get that
sorry i didn't hear that
repeat the question please
eh
i missed that
sorry you broke up
can you say that one more time
Come again?
Sorry, could you repeat that?
what was the last part
pardon me what was that
"""

REPEAT_NEG_B = """
sorry i need to reschedule
what day works best
what was my balance last month
i'd like to repeat the booking from last time
pardon the interruption but my card was stolen
excuse me but i want to cancel
sorry to interrupt
sorry no
no sorry tuesday
hmm what
"""

START_OVER_B = """
start all over again
let's begin again
can i start over
please restart
i want to start from the beginning
let's reset
scratch that start over
can we do this again from the start
"""

START_OVER_NEG_B = """
restart the modem
it started over the weekend
we can start on monday
don't restart
from the start of the year
"""

HELP_B = """
i need help please
what can i do here
how do i use this
what are my choices
i don't know what to say
can you tell me my options
menu
"""

HELP_NEG_B = """
help me find a dentist near me
can you help me reset my pin
i need help paying my bill
what can you tell me about fees
i don't understand the charges
thank you that helps
"""

OTHER_B = """
i'd like to make an appointment
ten thirty
yes that's correct
nope
the third of april
it's a visa
i'm calling about my prescription
"""

# ---------------------------------------------------------------- batch C (held out)

HUMAN_C = """
can i please speak with an actual person
i'd like to be transferred to a representative
transfer me to a human please
get a human
i just want a real person
speak to someone
i want to speak to someone in charge
can you connect me with a live person
i need to speak with a real human
hello is anyone there i need a real person
can i talk to your manager
put me on with a person
i would like a representative please
representative now
let me talk to customer service
connect me to an operator please
i wanna talk to someone real
yo can i get a real person
can i speak to a human being please
escalate this to a manager
i need to speak to someone about this charge
may i speak to an agent
talk to a person please
i want to talk to someone else
"""

HUMAN_NEG_C = """
i'm not a robot
my husband is the primary person on the account
a person called me about my claim
the representative on the phone earlier was rude
i talked to an agent last week
the agent i spoke with said it was fixed
no i don't need a person
i'd prefer not to talk to anyone
don't put me through to anyone
i want to speak with you about my order
can anyone else use my card
someone else booked it for me
it's under another person's name
my manager told me to book it
the operator number on my bill
are you real
is this a person or a machine
what's the number for customer service
i'm trying to transfer my prescription
transfer the appointment to friday
"""

GOODBYE_C = """
ok that's all i needed thanks
no that's everything thank you so much
bye have a nice day
thanks for your help goodbye
alright then bye
ok thank you bye bye
cool thanks bye
that is all
nope that's it
i'm all done thank you
good night
ok see you tuesday then bye
great talk to you soon
thanks that'll be everything
we're good thanks bye
sorry i have to go
"""

GOODBYE_NEG_C = """
bye is spelled b y e
i need to say goodbye to my old number
i'm all done with my questions about the bill but i have one more
don't hang up on me
i'm not finished yet
have a look at my account
nothing else happened
is that all i need to do
"""

REPEAT_C = """
sorry can you say that again
sorry what was that
i'm sorry i didn't catch that
could you please repeat that
repeat that please
huh what
sorry say that one more time
pardon what
i couldn't hear you
you're cutting out
i didn't get what you said
can you repeat the options
say it again
what did you say sorry
come again please
i didn't catch your name
"""

REPEAT_NEG_C = """
sorry for the confusion
what do you mean by that
what was the total
repeat business
can you say that in spanish
pardon me for asking but how much is it
what time tomorrow
say hi to the doctor for me
"""

START_OVER_C = """
can we start from the top
start over please
i messed up can we start again
let me start over
go back to the beginning
restart please
i want to start again
let's do this again from the start
start everything over
from the beginning please
"""

START_OVER_NEG_C = """
i need to restart my phone
my treatment starts again in june
can i reset my password
the beginning of the month works
from the beginning of next week
i want to start a new claim
"""

HELP_C = """
help me please
i need help here
what are my options here
what can i do
what can i ask you
i'm confused what do i do
i don't know what to do here
how does this work exactly
can somebody help me
options please
"""

HELP_NEG_C = """
can you help me with my prescription
help me understand my bill
i need help resetting my password
what are my options for payment
i'm lost on the way to the clinic
it didn't help
your help line is closed
"""

OTHER_C = """
sure
that works
my date of birth is the third of may nineteen eighty
it's seven five five two three
the earliest you have
"""

NEVER_MIND_A = """
never mind
nevermind
oh never mind
actually never mind
no never mind then
forget it
forget about it
uh forget it
oh just forget it
okay forget that
cancel that
cancel
please cancel that
cancel this
scratch that
no scratch that
i changed my mind
actually i've changed my mind
sorry i changed my mind
never mind about that
forget the whole thing
no no forget it
can i talk to a person actually never mind
i'd like to book actually never mind
um leave it
just drop it
no forget it thanks
hmm never mind that
i don't want it anymore
Never mind.
Forget it, thanks.
"""

NEVER_MIND_NEG_A = """
never mind the date make it wednesday
never mind, make it thursday at three
forget the tuesday one i said wednesday
don't cancel that
please don't cancel it
i want to cancel my appointment
can i cancel my booking
cancel my subscription
how do i cancel
i'll never forget it
i forgot it at home
i forgot my card
scratch that make it five
i don't mind
i wouldn't mind a morning slot
mind the gap
i changed my address recently
did you cancel it
is it cancelled
never been there before
"""

CORPUS: list[Sample] = [
    *_batch("A", "human", HUMAN_A),
    *_batch("A", None, HUMAN_NEG_A),
    *_batch("A", "goodbye", GOODBYE_A),
    *_batch("A", None, GOODBYE_NEG_A),
    *_batch("A", "repeat", REPEAT_A),
    *_batch("A", None, REPEAT_NEG_A),
    *_batch("A", "start_over", START_OVER_A),
    *_batch("A", None, START_OVER_NEG_A),
    *_batch("A", "help", HELP_A),
    *_batch("A", None, HELP_NEG_A),
    *_batch("A", None, OTHER_A),
    *_batch("A", "never_mind", NEVER_MIND_A),
    *_batch("A", None, NEVER_MIND_NEG_A),
    *_batch("B", "human", HUMAN_B),
    *_batch("B", None, HUMAN_NEG_B),
    *_batch("B", "goodbye", GOODBYE_B),
    *_batch("B", None, GOODBYE_NEG_B),
    *_batch("B", "repeat", REPEAT_B),
    *_batch("B", None, REPEAT_NEG_B),
    *_batch("B", "start_over", START_OVER_B),
    *_batch("B", None, START_OVER_NEG_B),
    *_batch("B", "help", HELP_B),
    *_batch("B", None, HELP_NEG_B),
    *_batch("B", None, OTHER_B),
    *_batch("C", "human", HUMAN_C),
    *_batch("C", None, HUMAN_NEG_C),
    *_batch("C", "goodbye", GOODBYE_C),
    *_batch("C", None, GOODBYE_NEG_C),
    *_batch("C", "repeat", REPEAT_C),
    *_batch("C", None, REPEAT_NEG_C),
    *_batch("C", "start_over", START_OVER_C),
    *_batch("C", None, START_OVER_NEG_C),
    *_batch("C", "help", HELP_C),
    *_batch("C", None, HELP_NEG_C),
    *_batch("C", None, OTHER_C),
]
"""Every labelled utterance, batch A, B then C."""
