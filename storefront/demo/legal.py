"""The demo shop's legal pages in English, Spanish and Latvian.

Written for a small Latvian company selling to consumers across the EU: the 14-day right of
withdrawal with the EU model withdrawal form (Directive 2011/83/EU, Annex I(B), in each language's
official wording), terms of sale, a privacy notice that matches what the shop really does (no
cookie while browsing), contact and imprint, and the accessibility statement the European
Accessibility Act expects. The shop's name and contact are placeholders filled in from its
settings. A real shop has its own texts checked by a lawyer; these are a sound start.
"""
from __future__ import annotations

import datetime as dt

from ..legal.service import Draft, save_page, texts_of

RETURNS = {
    "en": ("Returns and your right of withdrawal", """\
You may withdraw from your purchase within **14 days** without giving any reason.

## How long you have

The withdrawal period ends 14 days after the day on which you, or someone you named other than
the carrier, receive the goods. For an order delivered in several parcels, it runs from the day
the last parcel arrives.

## How to withdraw

Tell us clearly that you have decided to withdraw: write to {email}, or send a letter to
{legal_name}, {address}. You may use the model withdrawal form below, but you do not have to.
Sending your message before the 14 days are over is enough.

## Refunds

We refund everything you paid, including the cost of standard delivery, within 14 days of the
day we hear from you, by the same means of payment you used (unless you agree otherwise; you pay
no fee for the refund). If you chose express delivery, we refund the price of standard delivery.
We may wait to refund until we have the goods back, or until you show that you have sent them,
whichever is earlier.

## Sending the goods back

Send the goods to {legal_name}, {address}, within 14 days of telling us. You pay the direct cost
of returning them. You are liable only for any loss in value caused by handling the goods more
than needed to see what they are like, how they fit and how they work — try them on as you would
in a shop.

## Faulty goods

Your legal guarantee lasts two years from delivery, whatever the withdrawal period. Write to
{email} with your order number and a photo, and we will repair, replace or refund.

## Model withdrawal form

(Complete and return this form only if you wish to withdraw from the contract.)

- To: {legal_name}, {address}, {email}
- I/We (\\*) hereby give notice that I/We (\\*) withdraw from my/our (\\*) contract of sale of the
  following goods (\\*)/for the provision of the following service (\\*),
- Ordered on (\\*)/received on (\\*),
- Name of consumer(s),
- Address of consumer(s),
- Signature of consumer(s) (only if this form is notified on paper),
- Date

(\\*) Delete as appropriate.
"""),
    "es": ("Devoluciones y derecho de desistimiento", """\
Puedes desistir de tu compra en un plazo de **14 días** sin indicar el motivo.

## Plazo

El plazo de desistimiento termina 14 días después del día en que tú, o la persona que indiques
(que no sea el transportista), recibáis los productos. Si el pedido llega en varios paquetes, el
plazo cuenta desde el día en que llega el último.

## Cómo desistir

Comunícanos de forma clara tu decisión de desistir: escribe a {email} o envía una carta a
{legal_name}, {address}. Puedes usar el modelo de formulario de desistimiento que hay más abajo,
aunque no es obligatorio. Basta con enviar tu comunicación antes de que terminen los 14 días.

## Reembolso

Te devolvemos todo lo que pagaste, incluidos los gastos de envío estándar, en un plazo de 14
días desde que recibimos tu comunicación, con el mismo medio de pago que usaste (salvo que
acuerdes otro; el reembolso no te cuesta nada). Si elegiste envío exprés, reembolsamos el precio
del envío estándar. Podemos esperar a reembolsar hasta recibir los productos o hasta que
demuestres que los has enviado, lo que ocurra primero.

## Devolución de los productos

Envía los productos a {legal_name}, {address}, en los 14 días siguientes a tu comunicación. Los
gastos directos de la devolución corren de tu cuenta. Solo respondes de la pérdida de valor
causada por una manipulación distinta de la necesaria para ver cómo son, cómo sientan y cómo
funcionan: pruébatelos como lo harías en una tienda.

## Productos defectuosos

La garantía legal dura dos años desde la entrega, con independencia del plazo de desistimiento.
Escribe a {email} con el número de pedido y una foto, y lo repararemos, lo cambiaremos o te
devolveremos el dinero.

## Modelo de formulario de desistimiento

(Solo debe cumplimentar y enviar el presente formulario si desea desistir del contrato.)

- A la atención de {legal_name}, {address}, {email}:
- Por la presente le comunico/comunicamos (\\*) que desisto de mi/desistimos de nuestro (\\*)
  contrato de venta del siguiente bien/prestación del siguiente servicio (\\*)
- Pedido el/recibido el (\\*)
- Nombre del consumidor o de los consumidores
- Domicilio del consumidor o de los consumidores
- Firma del consumidor o de los consumidores (solo si el presente formulario se presenta en papel)
- Fecha

(\\*) Táchese lo que no proceda.
"""),
    "lv": ("Preču atpakaļatdošana un atteikuma tiesības", """\
Jūs varat atteikties no pirkuma **14 dienu** laikā, nenorādot iemeslu.

## Termiņš

Atteikuma termiņš beidzas 14 dienas pēc dienas, kad jūs vai jūsu norādīta persona (kas nav
pārvadātājs) saņemat preces. Ja pasūtījums tiek piegādāts vairākos sūtījumos, termiņu skaita no
dienas, kad saņemts pēdējais.

## Kā atteikties

Skaidri paziņojiet mums savu lēmumu atteikties: rakstiet uz {email} vai sūtiet vēstuli uz
{legal_name}, {address}. Varat izmantot zemāk esošo atteikuma veidlapas paraugu, bet tas nav
obligāti. Pietiek, ja paziņojumu nosūtāt pirms 14 dienu termiņa beigām.

## Naudas atmaksa

Mēs atmaksājam visu, ko samaksājāt, arī standarta piegādes izmaksas, 14 dienu laikā no dienas,
kad saņemam jūsu paziņojumu, ar to pašu maksājuma veidu, ko izmantojāt (ja vien nevienojamies
citādi; atmaksa jums neko nemaksā). Ja izvēlējāties ekspresspiegādi, atmaksājam standarta
piegādes cenu. Atmaksu varam aizturēt, līdz saņemam preces vai līdz jūs pierādāt, ka tās esat
nosūtījis, atkarībā no tā, kas notiek agrāk.

## Preču nosūtīšana atpakaļ

Nosūtiet preces uz {legal_name}, {address} 14 dienu laikā pēc paziņojuma. Tiešās atpakaļsūtīšanas
izmaksas sedzat jūs. Jūs atbildat tikai par preču vērtības samazināšanos, ko radījusi
rīkošanās ar tām vairāk, nekā nepieciešams, lai pārliecinātos par to īpašībām, izmēru un
darbību: uzlaikojiet tās tāpat kā veikalā.

## Preces ar defektu

Likumā noteiktā garantija ir divi gadi no piegādes neatkarīgi no atteikuma termiņa. Rakstiet uz
{email}, norādot pasūtījuma numuru un pievienojot fotoattēlu, un mēs preci salabosim, apmainīsim
vai atmaksāsim naudu.

## Atteikuma veidlapas paraugs

(Aizpildiet un nosūtiet šo veidlapu tikai tad, ja vēlaties atteikties no līguma.)

- Kam: {legal_name}, {address}, {email}
- Es/mēs (\\*) ar šo paziņoju/paziņojam (\\*), ka es/mēs (\\*) atsakos/atsakāmies (\\*) no sava
  līguma par šādu preču pārdošanu (\\*)/šādu pakalpojumu sniegšanu (\\*)
- Pasūtīšanas datums (\\*)/saņemšanas datums (\\*)
- Patērētāja(-u) vārds, uzvārds
- Patērētāja(-u) adrese
- Patērētāja(-u) paraksts (tikai tad, ja šo veidlapu paziņo papīra formā)
- Datums

(\\*) Nevajadzīgo svītrot.
"""),
}

TERMS = {
    "en": ("Terms of sale", """\
These terms apply to every order placed in {shop_name}, the online shop of {legal_name},
{address} (registration number {registration_number}, VAT number {vat_number}).

## Prices

Prices are in euros and include VAT. Delivery is shown separately before you order, and the
total on the review page is the total you pay: there are no other charges.

## Your order

The contract is made when you place the order on the review page and we confirm it by e-mail.
If an item turns out to be unavailable, we tell you at once and refund anything you paid for it.

## Payment

You pay by card, by bank transfer or on delivery, as offered at checkout. An order paid by bank
transfer is kept for you until the payment deadline shown on its page.

## Delivery

We deliver to the countries offered at checkout, in the time shown there. The goods are yours,
and at our risk, until you receive them.

## Withdrawal and guarantee

You may withdraw within 14 days of delivery; see [Returns and your right of
withdrawal](/legal/returns). The legal guarantee of conformity is two years from delivery.

## Complaints

Write to {email}; we answer within 5 working days. If we cannot agree, you may turn to the
consumer protection authority of your country (in Latvia: the Consumer Rights Protection Centre,
ptac.gov.lv) or to the courts.
"""),
    "es": ("Condiciones de venta", """\
Estas condiciones se aplican a todos los pedidos hechos en {shop_name}, la tienda en línea de
{legal_name}, {address} (número de registro {registration_number}, NIF-IVA {vat_number}).

## Precios

Los precios están en euros e incluyen el IVA. El envío se muestra aparte antes de pedir, y el
total de la página de revisión es el total que pagas: no hay otros cargos.

## Tu pedido

El contrato se celebra cuando haces el pedido en la página de revisión y te lo confirmamos por
correo electrónico. Si un artículo no estuviera disponible, te avisamos enseguida y te devolvemos
lo que hayas pagado por él.

## Pago

Pagas con tarjeta, por transferencia bancaria o contra reembolso, según lo que se ofrezca al
pagar. Un pedido pagado por transferencia se te reserva hasta el plazo de pago que indica su
página.

## Entrega

Enviamos a los países que se ofrecen al pagar, en el plazo que allí se indica. Hasta que recibes
los productos, el riesgo es nuestro.

## Desistimiento y garantía

Puedes desistir en los 14 días siguientes a la entrega; consulta [Devoluciones y derecho de
desistimiento](/legal/returns). La garantía legal de conformidad dura dos años desde la entrega.

## Reclamaciones

Escribe a {email}; respondemos en 5 días hábiles. Si no llegamos a un acuerdo, puedes acudir a la
autoridad de consumo de tu país (en Letonia, el Centro de Protección de los Derechos del
Consumidor, ptac.gov.lv) o a los tribunales.
"""),
    "lv": ("Pārdošanas noteikumi", """\
Šie noteikumi attiecas uz katru pasūtījumu, kas veikts {shop_name}, uzņēmuma {legal_name}
({address}; reģistrācijas numurs {registration_number}, PVN numurs {vat_number}) interneta
veikalā.

## Cenas

Cenas norādītas eiro un ietver PVN. Piegādes maksa tiek parādīta atsevišķi pirms pasūtīšanas, un
kopsumma pārskata lapā ir summa, ko jūs maksājat: citu maksu nav.

## Jūsu pasūtījums

Līgums ir noslēgts, kad jūs pārskata lapā veicat pasūtījumu un mēs to apstiprinām e-pastā. Ja
kāda prece izrādās nepieejama, mēs jums to uzreiz paziņojam un atmaksājam par to samaksāto.

## Maksājums

Maksāt var ar karti, ar bankas pārskaitījumu vai piegādes brīdī, kā piedāvāts noformēšanā.
Pasūtījums, ko maksājat ar pārskaitījumu, tiek rezervēts līdz tā lapā norādītajam termiņam.

## Piegāde

Mēs piegādājam uz valstīm, kas piedāvātas noformēšanā, tur norādītajā laikā. Līdz brīdim, kad
saņemat preces, risku uzņemamies mēs.

## Atteikums un garantija

No pirkuma varat atteikties 14 dienu laikā pēc piegādes; skatiet [Preču atpakaļatdošana un
atteikuma tiesības](/legal/returns). Likumā noteiktā atbilstības garantija ir divi gadi no
piegādes.

## Sūdzības

Rakstiet uz {email}; atbildam 5 darba dienu laikā. Ja nevaram vienoties, varat vērsties savas
valsts patērētāju tiesību aizsardzības iestādē (Latvijā: Patērētāju tiesību aizsardzības centrs,
ptac.gov.lv) vai tiesā.
"""),
}

PRIVACY = {
    "en": ("Privacy", """\
{legal_name}, {address}, is responsible for the personal data {shop_name} handles. Questions and
requests: {email}.

## What we keep, and why

- **Your order** (name, e-mail, delivery address, what you bought, how you paid): to deliver it,
  answer you and keep our accounts (the contract, and the law: accounting records are kept for
  5 years).
- **Reviews and questions** you choose to write: to publish them as you wrote them.
- **Visits**: how many visits come from which site or campaign, counted without any identifier
  of you.

## Cookies

Reading the shop sets no cookie. One cookie, needed for the shop to work, is set when you do
something that needs it: add to your cart, apply a code, open the shop from a social page, or
sign in as staff. It keeps your cart and language and ends when you close the browser. We use no
advertising or analytics cookies and no third-party trackers.

## Who else sees it

Only those who do part of the job: the payment provider (card payments), the carrier (delivery)
and our e-mail provider, each under a contract that binds them to our instructions.

## Your rights

You may ask to see, correct or delete your data, to receive it in a portable form, and object
to or restrict its use, by writing to {email}. You may also complain to the data protection
authority (in Latvia: the Data State Inspectorate, dvi.gov.lv).
"""),
    "es": ("Privacidad", """\
{legal_name}, {address}, es responsable de los datos personales que trata {shop_name}. Dudas y
solicitudes: {email}.

## Qué guardamos y para qué

- **Tu pedido** (nombre, correo electrónico, dirección de entrega, lo que compraste, cómo
  pagaste): para entregarlo, atenderte y llevar la contabilidad (el contrato y la ley: los
  registros contables se conservan 5 años).
- **Opiniones y preguntas** que decidas escribir: para publicarlas tal como las escribiste.
- **Visitas**: cuántas visitas llegan de cada sitio o campaña, contadas sin ningún identificador
  tuyo.

## Cookies

Navegar por la tienda no instala ninguna cookie. Se instala una sola, necesaria para que la
tienda funcione, cuando haces algo que la requiere: añadir a la cesta, aplicar un código, abrir
la tienda desde una red social o iniciar sesión como personal. Guarda tu cesta y tu idioma y
caduca al cerrar el navegador. No usamos cookies de publicidad ni de analítica, ni rastreadores
de terceros.

## Quién más los ve

Solo quienes hacen parte del trabajo: el proveedor de pagos (pagos con tarjeta), el transportista
(entrega) y nuestro proveedor de correo electrónico, cada uno con un contrato que le obliga a
seguir nuestras instrucciones.

## Tus derechos

Puedes pedir ver, corregir o borrar tus datos, recibirlos en un formato portátil y oponerte a su
uso o limitarlo, escribiendo a {email}. También puedes reclamar ante la autoridad de protección
de datos (en Letonia, la Inspección Estatal de Datos, dvi.gov.lv).
"""),
    "lv": ("Privātums", """\
Par personas datiem, ko apstrādā {shop_name}, atbild {legal_name}, {address}. Jautājumi un
pieprasījumi: {email}.

## Ko glabājam un kāpēc

- **Jūsu pasūtījums** (vārds, e-pasts, piegādes adrese, ko nopirkāt, kā samaksājāt): lai to
  piegādātu, atbildētu jums un kārtotu grāmatvedību (līgums un likums: grāmatvedības dokumentus
  glabā 5 gadus).
- **Atsauksmes un jautājumi**, ko izvēlaties uzrakstīt: lai tos publicētu tā, kā uzrakstījāt.
- **Apmeklējumi**: cik apmeklējumu nāk no katras vietnes vai kampaņas, skaitīti bez jebkāda jūsu
  identifikatora.

## Sīkdatnes

Veikala lasīšana neiestata nevienu sīkdatni. Viena sīkdatne, kas vajadzīga veikala darbībai, tiek
iestatīta, kad darāt kaut ko, kam tā nepieciešama: ieliekat preci grozā, izmantojat kodu,
atverat veikalu no sociālā tīkla lapas vai piesakāties kā darbinieks. Tā glabā jūsu grozu un
valodu un beidzas, kad aizverat pārlūku. Mēs neizmantojam reklāmas vai analītikas sīkdatnes un
trešo pušu izsekotājus.

## Kas vēl tos redz

Tikai tie, kas veic daļu darba: maksājumu pakalpojumu sniedzējs (karšu maksājumi), pārvadātājs
(piegāde) un mūsu e-pasta pakalpojumu sniedzējs, katrs ar līgumu, kas tam uzliek pienākumu
ievērot mūsu norādījumus.

## Jūsu tiesības

Varat lūgt piekļuvi saviem datiem, to labošanu vai dzēšanu, saņemt tos pārnesamā formā un
iebilst pret to izmantošanu vai to ierobežot, rakstot uz {email}. Varat arī iesniegt sūdzību
datu aizsardzības iestādē (Latvijā: Datu valsts inspekcija, dvi.gov.lv).
"""),
}

CONTACT = {
    "en": ("Contact and imprint", """\
We answer every message within 5 working days, usually the same day.

| | |
| --- | --- |
| Shop | {shop_name} |
| Company | {legal_name} |
| Address | {address} |
| E-mail | {email} |
| Phone | {phone} |
| Registration number | {registration_number} |
| VAT number | {vat_number} |

For an order, please give its number (you find it in your confirmation e-mail).
"""),
    "es": ("Contacto y aviso legal", """\
Respondemos a todos los mensajes en 5 días hábiles, normalmente el mismo día.

| | |
| --- | --- |
| Tienda | {shop_name} |
| Empresa | {legal_name} |
| Dirección | {address} |
| Correo electrónico | {email} |
| Teléfono | {phone} |
| Número de registro | {registration_number} |
| NIF-IVA | {vat_number} |

Si escribes por un pedido, indica su número (está en el correo de confirmación).
"""),
    "lv": ("Kontakti un rekvizīti", """\
Mēs atbildam uz katru ziņu 5 darba dienu laikā, parasti tajā pašā dienā.

| | |
| --- | --- |
| Veikals | {shop_name} |
| Uzņēmums | {legal_name} |
| Adrese | {address} |
| E-pasts | {email} |
| Tālrunis | {phone} |
| Reģistrācijas numurs | {registration_number} |
| PVN numurs | {vat_number} |

Ja rakstāt par pasūtījumu, lūdzu, norādiet tā numuru (tas ir apstiprinājuma e-pastā).
"""),
}

ACCESSIBILITY = {
    "en": ("Accessibility statement", """\
{legal_name} wants everyone to be able to shop at {shop_name}, whatever device or assistive
technology they use. This statement covers the shop, its checkout and order pages, in English,
Spanish and Latvian, as required by the European Accessibility Act (Directive (EU) 2019/882).

## Conformance status

The shop aims to meet the **Web Content Accessibility Guidelines (WCAG) 2.1, level AA**, the
level of the European standard EN 301 549. It is **partially conformant**: most of it meets the
level, with the limitations below.

## How we check

Every storefront, checkout, order and back-office page is checked in all three languages with
axe-core at phone and desktop widths, a whole checkout is completed with the keyboard alone, and
pages are read with a screen reader before each release.

## Known limitations

- Product photos have short text descriptions; the detail of a knit pattern is described in the
  product text rather than in the photo's description.
- Inside a social platform's page, the platform's own frame, menus and buttons are outside our
  control.
- Texts that shoppers write (reviews, questions) are published as written.

## Feedback and contact

If something in the shop is hard to use, or you need information in another format, write to
{email} or call {phone}. We answer within 5 working days and, if we cannot fix the problem at
once, help you complete your order another way.

## Enforcement

If our answer does not satisfy you, you may complain to the authority that supervises
accessibility in your country. In Latvia this is the Consumer Rights Protection Centre
(Patērētāju tiesību aizsardzības centrs), Brīvības iela 55, Rīga, LV-1010, ptac.gov.lv.

This statement was prepared on 2 December 2026 from our own assessment and is reviewed with
every release that changes the shop's pages.
"""),
    "es": ("Declaración de accesibilidad", """\
{legal_name} quiere que todo el mundo pueda comprar en {shop_name}, sea cual sea el dispositivo o
la tecnología de apoyo que use. Esta declaración abarca la tienda, el proceso de compra y las
páginas de pedido, en inglés, español y letón, como exige el Acta Europea de Accesibilidad
(Directiva (UE) 2019/882).

## Situación de cumplimiento

La tienda aspira a cumplir las **Pautas de Accesibilidad para el Contenido Web (WCAG) 2.1,
nivel AA**, el nivel de la norma europea EN 301 549. Es **parcialmente conforme**: la mayor parte
cumple ese nivel, con las limitaciones que se indican abajo.

## Cómo lo comprobamos

Antes de cada versión revisamos cada página de la tienda, del proceso de compra, de pedidos y de
la administración en los tres idiomas con axe-core, en anchos de móvil y de escritorio;
completamos una compra entera solo con el teclado y leemos las páginas con un lector de pantalla.

## Limitaciones conocidas

- Las fotos de producto tienen descripciones breves; el detalle del dibujo del punto se describe
  en el texto del producto y no en la descripción de la foto.
- Dentro de la página de una red social, el marco, los menús y los botones de la propia
  plataforma no dependen de nosotros.
- Los textos que escriben los clientes (opiniones, preguntas) se publican tal como se
  escribieron.

## Comentarios y contacto

Si algo de la tienda te resulta difícil de usar o necesitas la información en otro formato,
escribe a {email} o llama al {phone}. Respondemos en 5 días hábiles y, si no podemos resolver el
problema enseguida, te ayudamos a completar tu pedido de otra forma.

## Procedimiento de aplicación

Si nuestra respuesta no te satisface, puedes reclamar ante la autoridad que vigila la
accesibilidad en tu país. En Letonia es el Centro de Protección de los Derechos del Consumidor
(Patērētāju tiesību aizsardzības centrs), Brīvības iela 55, Riga, LV-1010, ptac.gov.lv.

Esta declaración se preparó el 2 de diciembre de 2026 a partir de nuestra propia evaluación y se
revisa con cada versión que cambia las páginas de la tienda.
"""),
    "lv": ("Piekļūstamības paziņojums", """\
{legal_name} vēlas, lai ikviens varētu iepirkties {shop_name} neatkarīgi no ierīces vai
palīgtehnoloģijām, ko izmanto. Šis paziņojums attiecas uz veikalu, pirkuma noformēšanu un
pasūtījumu lapām angļu, spāņu un latviešu valodā, kā to prasa Eiropas Piekļūstamības akts
(Direktīva (ES) 2019/882).

## Atbilstības statuss

Veikala mērķis ir atbilst **Tīmekļa satura piekļūstamības vadlīniju (WCAG) 2.1 AA līmenim**,
kas ir Eiropas standarta EN 301 549 līmenis. Veikals **daļēji atbilst**: lielākā daļa atbilst
šim līmenim, ar zemāk minētajiem ierobežojumiem.

## Kā pārbaudām

Pirms katras versijas mēs visās trīs valodās ar axe-core pārbaudām katru veikala, noformēšanas,
pasūtījumu un administrēšanas lapu tālruņa un datora platumā, veicam visu pirkumu tikai ar
tastatūru un lasām lapas ar ekrāna lasītāju.

## Zināmie ierobežojumi

- Preču fotoattēliem ir īsi apraksti; adījuma raksts sīkāk aprakstīts preces tekstā, nevis
  fotoattēla aprakstā.
- Sociālā tīkla lapā platformas rāmis, izvēlnes un pogas nav mūsu pārziņā.
- Pircēju rakstītie teksti (atsauksmes, jautājumi) tiek publicēti tā, kā uzrakstīti.

## Atsauksmes un saziņa

Ja kaut ko veikalā ir grūti izmantot vai jums vajadzīga informācija citā formātā, rakstiet uz
{email} vai zvaniet {phone}. Mēs atbildam 5 darba dienu laikā un, ja problēmu nevaram novērst
uzreiz, palīdzam pabeigt pasūtījumu citā veidā.

## Uzraudzība

Ja mūsu atbilde jūs neapmierina, varat iesniegt sūdzību iestādē, kas jūsu valstī uzrauga
piekļūstamību. Latvijā tas ir Patērētāju tiesību aizsardzības centrs, Brīvības iela 55, Rīga,
LV-1010, ptac.gov.lv.

Paziņojums sagatavots 2026. gada 2. decembrī, pamatojoties uz mūsu pašu novērtējumu, un tiek
pārskatīts ar katru versiju, kas maina veikala lapas.
"""),
}

LEGAL_PAGES = {"returns": RETURNS, "terms": TERMS, "privacy": PRIVACY, "contact": CONTACT,
               "accessibility": ACCESSIBILITY}


def load_legal_pages(languages: list[str], now: dt.datetime) -> int:
    """Write each legal page that has no text yet, in the shop's languages (idempotent: a page an
    admin has written is left as it is). Returns how many pages were written."""
    written = 0
    for page, texts in LEGAL_PAGES.items():
        if texts_of(page):
            continue
        drafts = {language: Draft(*texts[language]) if language in texts else Draft("", "")
                  for language in languages}
        save_page(None, page, drafts, default_language=languages[0], now=now)
        written += 1
    return written
