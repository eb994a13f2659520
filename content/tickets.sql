CREATE TABLE tickets (
  id INTEGER PRIMARY KEY,
  title TEXT NOT NULL,
  description TEXT,
  severity TEXT,
  channel TEXT,
  status TEXT,
  components TEXT,
  reported_at TEXT,
  evaluated_at TEXT,
  resolved_at TEXT,
  maintenance TEXT,
  public INTEGER NOT NULL DEFAULT 1,
  reporter_name TEXT,
  reporter_email TEXT,
  reporter_phone TEXT,
  reporter_address TEXT
);

-- Example known-issue tickets of the support desk ("now" of the example: 2026-11-25T12:00+01:00).
-- All reporter data is fictional. public = 0 rows must never appear in the built site.

-- ---------------------------------------------------------------- resolved, 2025 to 2026-10

INSERT INTO tickets (id, title, description, severity, channel, status, components, reported_at, evaluated_at, resolved_at, maintenance, public, reporter_name, reporter_email, reporter_phone, reporter_address)
VALUES (1041, 'Potvrdenia objednávok prichádzajú s veľkým oneskorením',
'Dnes ráno som vytvoril tri objednávky a potvrdenie mi prišlo až po hodine. Kolegovi nedošlo vôbec.',
'minor', 'email', 'resolved', '["mail"]',
'2025-02-11T08:20:00+01:00', '2025-02-11T09:05:00+01:00', '2025-02-11T13:40:00+01:00', NULL, 1,
'Peter Horváth', 'peter.horvath@example.com', '+421 903 111 201', 'Lipová 12, 040 01 Košice');

INSERT INTO tickets (id, title, description, severity, channel, status, components, reported_at, evaluated_at, resolved_at, maintenance, public, reporter_name, reporter_email, reporter_phone, reporter_address)
VALUES (1042, 'API neodpovedá, zákaznícka zóna hlási chybu',
'Od 14:10 nám padajú všetky volania API a v zákazníckej zóne sa zobrazuje „Služba je dočasne nedostupná“.',
'critical', 'phone', 'resolved', '["api","web"]',
'2025-04-03T14:18:00+02:00', '2025-04-03T14:30:00+02:00', '2025-04-03T15:48:00+02:00', NULL, 1,
'Jana Kováčová', 'jana.kovacova@example.sk', '+421 905 222 302', 'Štúrova 8, 949 01 Nitra');

INSERT INTO tickets (id, title, description, severity, channel, status, components, reported_at, evaluated_at, resolved_at, maintenance, public, reporter_name, reporter_email, reporter_phone, reporter_address)
VALUES (1043, 'Písomné vyrozumenie: počas celého večera nešlo prihlásenie cez SMS kód',
'Zasielam písomné vyrozumenie overené u notára. Dňa 15. 9. večer mi neprišiel žiadny overovací SMS kód, a preto som nemohol vybaviť objednávku načas.

Žiadam o:
- vysvetlenie príčiny,
- potvrdenie, že problém je odstránený.',
'major', 'letter', 'resolved', '["auth"]',
'2025-09-19T10:00:00+02:00', '2025-09-22T09:30:00+02:00', '2025-09-26T14:00:00+02:00', NULL, 1,
'Milan Baláž', 'milan.balaz@example.com', '+421 907 333 403', 'Hurbanova 21, 010 01 Žilina');

INSERT INTO tickets (id, title, description, severity, channel, status, components, reported_at, evaluated_at, resolved_at, maintenance, public, reporter_name, reporter_email, reporter_phone, reporter_address)
VALUES (1044, 'Chat sa nenačíta, potrebujem urgentne zmeniť fakturačné údaje firmy',
'Interné: zákazník potreboval zmeniť IČ DPH pred vystavením faktúry, vybavené telefonicky.',
'major', 'chat', 'resolved', '["support-chat"]',
'2025-12-02T10:20:00+01:00', '2025-12-02T10:40:00+01:00', '2025-12-02T12:05:00+01:00', NULL, 0,
'Ing. Tomáš Novák', 'tomas.novak@example.sk', '+421 910 444 504', 'Priemyselná 3, 917 01 Trnava');

INSERT INTO tickets (id, title, description, severity, channel, status, components, reported_at, evaluated_at, resolved_at, maintenance, public, reporter_name, reporter_email, reporter_phone, reporter_address)
VALUES (1045, 'Obrázky v galérii sa načítavajú veľmi pomaly',
'Náhľady v galérii produktov sa načítavajú aj 10 sekúnd. Text stránky je tam hneď.',
'minor', 'chat', 'resolved', '["cdn"]',
'2026-02-18T16:45:00+01:00', '2026-02-18T17:10:00+01:00', '2026-02-18T19:55:00+01:00', NULL, 1,
'Lucia Šimková', 'lucia.simkova@example.com', '+421 915 555 605', 'Nám. SNP 4, 974 01 Banská Bystrica');

INSERT INTO tickets (id, title, description, severity, channel, status, components, reported_at, evaluated_at, resolved_at, maintenance, public, reporter_name, reporter_email, reporter_phone, reporter_address)
VALUES (1046, 'Prehliadač hlási neplatný certifikát v zákazníckej zóne',
'Pri otvorení zákazníckej zóny prehliadač upozorňuje, že spojenie nie je súkromné. Na mobile to isté.',
'major', 'email', 'resolved', '["web","api"]',
'2026-05-06T06:58:00+02:00', '2026-05-06T07:15:00+02:00', '2026-05-06T08:05:00+02:00', NULL, 1,
'Martin Kollár', 'martin.kollar@example.sk', '+421 918 666 706', 'Komenského 15, 080 01 Prešov');

INSERT INTO tickets (id, title, description, severity, channel, status, components, reported_at, evaluated_at, resolved_at, maintenance, public, reporter_name, reporter_email, reporter_phone, reporter_address)
VALUES (1047, 'Nedá sa prihlásiť, API vracia chybu 500',
'Prihlásenie končí chybou a naša integrácia dostáva od API len chybu 500. Prosím o urgentné riešenie.',
'critical', 'phone', 'resolved', '["api","auth","web"]',
'2026-08-12T13:08:00+02:00', '2026-08-12T13:20:00+02:00', '2026-08-12T14:32:00+02:00', NULL, 1,
'Zuzana Vargová', 'zuzana.vargova@example.com', '+421 902 777 807', 'Dlhá 56, 921 01 Piešťany');

INSERT INTO tickets (id, title, description, severity, channel, status, components, reported_at, evaluated_at, resolved_at, maintenance, public, reporter_name, reporter_email, reporter_phone, reporter_address)
VALUES (1048, 'Faktúra za október mi prišla dvakrát',
'Dostal som dva rovnaké e-maily s faktúrou. Mám platiť dvakrát?',
'minor', 'email', 'resolved', '["mail"]',
'2026-10-18T08:05:00+02:00', '2026-10-18T09:00:00+02:00', '2026-10-18T11:30:00+02:00', NULL, 1,
'Juraj Lukáč', 'juraj.lukac@example.sk', '+421 904 888 908', 'Záhradná 9, 971 01 Prievidza');

INSERT INTO tickets (id, title, description, severity, channel, status, components, reported_at, evaluated_at, resolved_at, maintenance, public, reporter_name, reporter_email, reporter_phone, reporter_address)
VALUES (1049, 'Písomné vyrozumenie: zákaznícka zóna je z našej firemnej siete opakovane nedostupná',
'Interné: blokovaná IP adresa zákazníka po opakovaných pokusoch o prihlásenie, odblokované.',
'major', 'letter', 'resolved', '["web"]',
'2026-11-06T09:00:00+01:00', '2026-11-09T10:00:00+01:00', '2026-11-10T15:30:00+01:00', NULL, 0,
'Mgr. Eva Kráľová', 'eva.kralova@example.com', '+421 911 999 009', 'Partizánska 2, 969 01 Banská Štiavnica');

-- ---------------------------------------------------------------- open, November 2026

-- Waits for the upcoming login innovation (fixing, evaluated long ago, but the fix is that innovation).
INSERT INTO tickets (id, title, description, severity, channel, status, components, reported_at, evaluated_at, resolved_at, maintenance, public, reporter_name, reporter_email, reporter_phone, reporter_address)
VALUES (1050, 'Po niekoľkých minútach ma systém odhlási',
'Keď mám zákaznícku zónu otvorenú v dvoch kartách, po 5 až 10 minútach ma odhlási a rozpracovaný formulár sa stratí.',
'minor', 'chat', 'fixing', '["auth"]',
'2026-11-16T10:20:00+01:00', '2026-11-17T15:00:00+01:00', NULL, '2026-12-19-inovacia-prihlasovania', 1,
'Katarína Mináriková', 'katarina.minarikova@example.sk', '+421 908 123 010', 'Pekná cesta 7, 831 52 Bratislava');

-- Overdue fixes (evaluated more than 72 h before now).
INSERT INTO tickets (id, title, description, severity, channel, status, components, reported_at, evaluated_at, resolved_at, maintenance, public, reporter_name, reporter_email, reporter_phone, reporter_address)
VALUES (1051, 'Tlačidlo Uložiť v nastaveniach profilu nereaguje',
'Zmením telefónne číslo v profile, kliknem na **Uložiť** a nič sa nestane. Po obnovení stránky je tam stále staré číslo.',
'major', 'chat', 'fixing', '["web"]',
'2026-11-17T14:05:00+01:00', '2026-11-18T10:30:00+01:00', NULL, NULL, 1,
'Róbert Hudák', 'robert.hudak@example.com', '+421 917 234 011', 'Mlynská 30, 052 01 Spišská Nová Ves');

INSERT INTO tickets (id, title, description, severity, channel, status, components, reported_at, evaluated_at, resolved_at, maintenance, public, reporter_name, reporter_email, reporter_phone, reporter_address)
VALUES (1052, 'Upozornenie na splatnosť faktúry uvádza nesprávny dátum',
'V e-maile s upozornením je dátum splatnosti o deň skorší, ako je uvedený na samotnej faktúre.',
'minor', 'email', 'fixing', '["mail"]',
'2026-11-18T09:12:00+01:00', '2026-11-19T11:00:00+01:00', NULL, NULL, 1,
'Andrea Poláková', 'andrea.polakova@example.sk', '+421 919 345 012', 'Sládkovičova 11, 984 01 Lučenec');

INSERT INTO tickets (id, title, description, severity, channel, status, components, reported_at, evaluated_at, resolved_at, maintenance, public, reporter_name, reporter_email, reporter_phone, reporter_address)
VALUES (1053, 'Webhook pre našu integráciu neposiela udalosti o platbách',
'Interné: týka sa len jedného zákazníckeho účtu s vlastnou konfiguráciou webhookov.',
'major', 'phone', 'fixing', '["api"]',
'2026-11-18T15:00:00+01:00', '2026-11-19T09:00:00+01:00', NULL, NULL, 0,
'Ing. Pavol Sloboda', 'pavol.sloboda@example.com', '+421 903 456 013', 'Kukučínova 40, 036 01 Martin');

INSERT INTO tickets (id, title, description, severity, channel, status, components, reported_at, evaluated_at, resolved_at, maintenance, public, reporter_name, reporter_email, reporter_phone, reporter_address)
VALUES (1054, 'API vracia chybu 500 pri stránkovaní zoznamu objednávok',
'Prvá strana zoznamu objednávok sa načíta, ale od tretej strany ďalej API vracia chybu 500. Postup:

1. zavolať zoznam objednávok s parametrom strana 3,
2. odpoveď je chyba 500 namiesto údajov.',
'major', 'phone', 'fixing', '["api"]',
'2026-11-19T16:40:00+01:00', '2026-11-20T08:15:00+01:00', NULL, NULL, 1,
'Michal Bartoš', 'michal.bartos@example.sk', '+421 905 567 014', 'Železničná 5, 911 01 Trenčín');

-- Linked to the CANCELLED live chat innovation: falls back to its own status explanation.
INSERT INTO tickets (id, title, description, severity, channel, status, components, reported_at, evaluated_at, resolved_at, maintenance, public, reporter_name, reporter_email, reporter_phone, reporter_address)
VALUES (1055, 'Okno live chatu na mobile zakrýva celú stránku',
'Na mobile sa po otvorení live chatu nedá zavrieť jeho okno a zakrýva celý obsah stránky.',
'minor', 'chat', 'evaluating', '["support-chat"]',
'2026-11-19T13:25:00+01:00', NULL, NULL, '2026-12-06-inovacia-live-chatu', 1,
'Simona Ďuricová', 'simona.durica@example.com', '+421 907 678 015', 'Bernolákova 14, 901 01 Malacky');

-- Linked to a COMPLETED innovation: falls back to its own status explanation.
INSERT INTO tickets (id, title, description, severity, channel, status, components, reported_at, evaluated_at, resolved_at, maintenance, public, reporter_name, reporter_email, reporter_phone, reporter_address)
VALUES (1056, 'Prílohy faktúr majú po inovácii nezrozumiteľný názov súboru',
'Od októbra má PDF s faktúrou v prílohe názov ako „attachment-7f3a.pdf“ namiesto čísla faktúry. Účtovníctvo ich ťažko páruje.',
'minor', 'email', 'fixing', '["mail"]',
'2026-11-20T10:00:00+01:00', '2026-11-24T11:30:00+01:00', NULL, '2026-10-17-inovacia-odosielania-e-mailov', 1,
'Daniela Krajčírová', 'daniela.krajcirova@example.sk', '+421 910 789 016', 'Námestie mieru 1, 934 01 Levice');

-- Resolved with the pinned login incident.
INSERT INTO tickets (id, title, description, severity, channel, status, components, reported_at, evaluated_at, resolved_at, maintenance, public, reporter_name, reporter_email, reporter_phone, reporter_address)
VALUES (1057, 'Nedá sa prihlásiť – chyba „Neplatná relácia“',
'Pri prihlásení sa zobrazí chyba „Neplatná relácia“. Skúšal som to päťkrát, teraz mi píše, že účet je zablokovaný.',
'major', 'chat', 'resolved', '["auth"]',
'2026-11-21T18:48:00+01:00', '2026-11-21T19:20:00+01:00', '2026-11-22T09:15:00+01:00', NULL, 1,
'Filip Gajdoš', 'filip.gajdos@example.com', '+421 915 890 017', 'Jesenského 22, 960 01 Zvolen');

INSERT INTO tickets (id, title, description, severity, channel, status, components, reported_at, evaluated_at, resolved_at, maintenance, public, reporter_name, reporter_email, reporter_phone, reporter_address)
VALUES (1058, 'Po prihlásení ma hneď odhlási zo zákazníckej zóny',
'Prihlásim sa, otvorím objednávky a systém ma vráti na prihlasovaciu stránku.',
'major', 'phone', 'resolved', '["auth","web"]',
'2026-11-21T19:10:00+01:00', '2026-11-21T19:45:00+01:00', '2026-11-22T09:20:00+01:00', NULL, 1,
'Veronika Oravcová', 'veronika.oravcova@example.sk', '+421 918 901 018', 'Kvetná 3, 058 01 Poprad');

INSERT INTO tickets (id, title, description, severity, channel, status, components, reported_at, evaluated_at, resolved_at, maintenance, public, reporter_name, reporter_email, reporter_phone, reporter_address)
VALUES (1059, 'Formulár objednávky nie je prístupný pre čítačku obrazovky',
'Písomné vyrozumenie overené na mestskom zastupiteľstve. Ako nevidiaci používateľ nedokážem vyplniť formulár objednávky:

- polia nemajú popisy, čítačka ich ohlási len ako „upraviť text“,
- tlačidlo na odoslanie sa nedá zvoliť klávesnicou.',
'major', 'letter', 'reported', '["web"]',
'2026-11-23T10:00:00+01:00', NULL, NULL, NULL, 1,
'Ján Mikuš', 'jan.mikus@example.com', '+421 902 012 019', 'Hviezdoslavova 17, 026 01 Dolný Kubín');

-- Fix expected inside the 24–72 h window.
INSERT INTO tickets (id, title, description, severity, channel, status, components, reported_at, evaluated_at, resolved_at, maintenance, public, reporter_name, reporter_email, reporter_phone, reporter_address)
VALUES (1060, 'Ikony v päte stránky sa prekrývajú s textom',
'Pri šírke okna < 800 px sa ikona (< 16 px) & text v päte stránky prekrývajú. Týka sa najmä odkazu „Kontakt & podpora“.',
'minor', 'email', 'fixing', '["web"]',
'2026-11-23T09:40:00+01:00', '2026-11-23T15:20:00+01:00', NULL, NULL, 1,
'Monika Hrušková', 'monika.hruskova@example.sk', '+421 904 123 020', 'Obchodná 44, 811 06 Bratislava');

-- Waits for the upcoming login innovation.
INSERT INTO tickets (id, title, description, severity, channel, status, components, reported_at, evaluated_at, resolved_at, maintenance, public, reporter_name, reporter_email, reporter_phone, reporter_address)
VALUES (1061, 'Odkaz na obnovenie hesla je neplatný skôr, ako ho stihnem otvoriť',
'E-mail na obnovenie hesla mi príde o 10 minút a odkaz v ňom už hlási, že jeho platnosť vypršala.',
'minor', 'email', 'reported', '["auth"]',
'2026-11-23T17:45:00+01:00', NULL, NULL, '2026-12-19-inovacia-prihlasovania', 1,
'Stanislav Ondruš', 'stanislav.ondrus@example.com', '+421 908 234 021', 'Družstevná 8, 071 01 Michalovce');

-- Waits for the publishing network innovation in progress.
INSERT INTO tickets (id, title, description, severity, channel, status, components, reported_at, evaluated_at, resolved_at, maintenance, public, reporter_name, reporter_email, reporter_phone, reporter_address)
VALUES (1062, 'Zmenený obrázok produktu sa stále zobrazuje v starej verzii',
'Včera som nahral nový obrázok produktu, v administrácii ho vidím, ale návštevníci stále vidia starý.',
'minor', 'chat', 'fixing', '["cdn"]',
'2026-11-24T08:10:00+01:00', '2026-11-24T11:00:00+01:00', NULL, '2026-11-23-inovacia-publikacnej-siete', 1,
'Barbora Kučerová', 'barbora.kucerova@example.sk', '+421 911 345 022', 'Rázusova 19, 940 01 Nové Zámky');

INSERT INTO tickets (id, title, description, severity, channel, status, components, reported_at, evaluated_at, resolved_at, maintenance, public, reporter_name, reporter_email, reporter_phone, reporter_address)
VALUES (1063, 'Preklep v texte na stránke s cenníkom',
'V cenníku je napísané „mesačne poplatok“ namiesto „mesačný poplatok“.',
'minor', 'chat', 'resolved', '["web"]',
'2026-11-24T07:50:00+01:00', '2026-11-24T08:30:00+01:00', '2026-11-24T16:10:00+01:00', NULL, 1,
'Igor Pavlík', 'igor.pavlik@example.com', '+421 917 456 023', 'Topoľová 6, 955 01 Topoľčany');

INSERT INTO tickets (id, title, description, severity, channel, status, components, reported_at, evaluated_at, resolved_at, maintenance, public, reporter_name, reporter_email, reporter_phone, reporter_address)
VALUES (1064, 'Neprichádzajú mi kópie odoslaných správ na druhú adresu',
'Interné: preposielanie na súkromnú adresu zákazníka, overujeme nastavenie jeho schránky.',
'minor', 'email', 'evaluating', '["mail"]',
'2026-11-24T12:00:00+01:00', NULL, NULL, NULL, 0,
'Renáta Šoltésová', 'renata.soltesova@example.sk', '+421 919 567 024', 'Letná 28, 040 01 Košice');

INSERT INTO tickets (id, title, description, severity, channel, status, components, reported_at, evaluated_at, resolved_at, maintenance, public, reporter_name, reporter_email, reporter_phone, reporter_address)
VALUES (1065, 'Dátumy v prehľade objednávok sú v anglickom formáte',
'V prehľade objednávok sa dátum zobrazuje ako 11/24/2026 namiesto 24. 11. 2026.',
'minor', 'email', 'evaluating', '["web"]',
'2026-11-24T14:30:00+01:00', NULL, NULL, NULL, 1,
'Marek Fekete', 'marek.fekete@example.com', '+421 903 678 025', 'Komárňanská 12, 945 01 Komárno');

-- Evaluated this morning: the fix window has not started yet.
INSERT INTO tickets (id, title, description, severity, channel, status, components, reported_at, evaluated_at, resolved_at, maintenance, public, reporter_name, reporter_email, reporter_phone, reporter_address)
VALUES (1066, 'Export do CSV cez API obsahuje prázdne stĺpce',
'Pri exporte faktúr do CSV sú stĺpce „Suma s DPH“ a „Mena“ prázdne. Pri exporte zo zákazníckej zóny sú vyplnené.',
'major', 'chat', 'fixing', '["api"]',
'2026-11-24T20:10:00+01:00', '2026-11-25T09:00:00+01:00', NULL, NULL, 1,
'Adriana Molnárová', 'adriana.molnarova@example.sk', '+421 905 789 026', 'Hlavná 77, 929 01 Dunajská Streda');

INSERT INTO tickets (id, title, description, severity, channel, status, components, reported_at, evaluated_at, resolved_at, maintenance, public, reporter_name, reporter_email, reporter_phone, reporter_address)
VALUES (1067, 'Sťahovanie PDF dokumentov sa pri pomalom pripojení preruší',
'Na pomalšom mobilnom pripojení sa sťahovanie väčších PDF (okolo 20 MB) preruší po niekoľkých minútach.',
'minor', 'email', 'reported', '["cdn"]',
'2026-11-24T22:15:00+01:00', NULL, NULL, NULL, 1,
'Roman Čierny', 'roman.cierny@example.com', '+421 907 890 027', 'Horná 2, 976 02 Lučatín');

-- Waits for the publishing network innovation in progress (related to the ongoing incident).
INSERT INTO tickets (id, title, description, severity, channel, status, components, reported_at, evaluated_at, resolved_at, maintenance, public, reporter_name, reporter_email, reporter_phone, reporter_address)
VALUES (1068, 'Stránka sa v staršom prehliadači zobrazuje bez štýlov',
'Od rána vidím zákaznícku zónu len ako čierny text na bielom pozadí, bez menu a farieb. V inom počítači s novším prehliadačom je všetko v poriadku.',
'minor', 'chat', 'reported', '["web"]',
'2026-11-25T08:32:00+01:00', NULL, NULL, '2026-11-23-inovacia-publikacnej-siete', 1,
'Helena Benková', 'helena.benkova@example.sk', '+421 910 901 028', 'Školská 10, 900 01 Modra');

INSERT INTO tickets (id, title, description, severity, channel, status, components, reported_at, evaluated_at, resolved_at, maintenance, public, reporter_name, reporter_email, reporter_phone, reporter_address)
VALUES (1069, 'Menu na tablete sa rozpadne a prekrýva obsah',
'Na staršom tablete sa hlavné menu zobrazuje cez polovicu obrazovky a nedá sa zavrieť.',
'minor', 'phone', 'evaluating', '["web","cdn"]',
'2026-11-25T09:05:00+01:00', NULL, NULL, '2026-11-23-inovacia-publikacnej-siete', 1,
'Viliam Repka', 'viliam.repka@example.com', '+421 915 012 029', 'Vinohradnícka 4, 902 01 Pezinok');

INSERT INTO tickets (id, title, description, severity, channel, status, components, reported_at, evaluated_at, resolved_at, maintenance, public, reporter_name, reporter_email, reporter_phone, reporter_address)
VALUES (1070, 'V live chate sa nezobrazuje história predchádzajúcej konverzácie',
'Včera som riešil problém cez live chat a dnes tam predchádzajúcu konverzáciu nevidím, hoci som prihlásená.',
'minor', 'chat', 'reported', '["support-chat"]',
'2026-11-25T10:48:00+01:00', NULL, NULL, NULL, 1,
'Alžbeta Tóthová', 'alzbeta.tothova@example.sk', '+421 918 123 030', 'Poštová 9, 979 01 Rimavská Sobota');

INSERT INTO tickets (id, title, description, severity, channel, status, components, reported_at, evaluated_at, resolved_at, maintenance, public, reporter_name, reporter_email, reporter_phone, reporter_address)
VALUES (1071, 'Prístupový token API prestal fungovať po zmene hesla',
'Interné: zákazník si pri zmene hesla zrušil všetky tokeny; vysvetlené telefonicky, čaká na potvrdenie.',
'major', 'phone', 'reported', '["api"]',
'2026-11-25T11:05:00+01:00', NULL, NULL, NULL, 0,
'Ing. Ladislav Černák', 'ladislav.cernak@example.com', '+421 902 234 031', 'Cintorínska 16, 949 01 Nitra');
