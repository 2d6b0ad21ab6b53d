"""The demo brand's words in Spanish and Latvian: every category, product, colour and offer.

English lives in `content.py` and `offers.py` (the rows' own columns); these become the rows'
`translations` (storefront/catalog/translations.py), so the demo shop reads as written in each
language, never as "Comprar Sweaters".
"""
from __future__ import annotations

# The options a shopper picks, by their stored (English) name.
OPTION_NAMES: dict[str, dict[str, str]] = {
    "Size": {"es": "Talla", "lv": "Izmērs"},
    "Colour": {"es": "Color", "lv": "Krāsa"},
}

# The yarn colours, by their label's (English) name.
COLOUR_NAMES: dict[str, dict[str, str]] = {
    "Oat": {"es": "Avena", "lv": "Auzu bēšs"},
    "Natural": {"es": "Crudo", "lv": "Naturāls"},
    "Charcoal": {"es": "Gris carbón", "lv": "Ogļu pelēks"},
    "Heather Grey": {"es": "Gris jaspeado", "lv": "Pelēks melanžs"},
    "Forest": {"es": "Verde bosque", "lv": "Meža zaļš"},
    "Moss": {"es": "Verde musgo", "lv": "Sūnu zaļš"},
    "Sea Blue": {"es": "Azul mar", "lv": "Jūras zils"},
    "Navy": {"es": "Azul marino", "lv": "Tumši zils"},
    "Rust": {"es": "Óxido", "lv": "Rūsgans"},
    "Cranberry": {"es": "Arándano", "lv": "Dzērveņu sarkans"},
    "Mustard": {"es": "Mostaza", "lv": "Sinepju dzeltens"},
    "Mist": {"es": "Niebla", "lv": "Miglas zils"},
}

# slug → language → (name, description)
CATEGORY_TEXT: dict[str, dict[str, tuple[str, str]]] = {
    "sweaters": {
        "es": ("Prendas de punto", "Jerséis, cárdigans y chalecos tejidos con lana báltica y nórdica."),
        "lv": ("Adījumi", "Džemperi, jakas un vestes, adītas no Baltijas un Ziemeļvalstu vilnas."),
    },
    "pullovers": {
        "es": ("Jerséis", "Cuello redondo, cuello vuelto y canesús Fair Isle."),
        "lv": ("Džemperi", "Ar apaļu kakla izgriezumu, augstu apkakli un Fair Isle rakstu."),
    },
    "cardigans": {
        "es": ("Cárdigans", "Con botones, cuello chal o cortos."),
        "lv": ("Jakas", "Pogājamas, ar šalles apkakli un īsās."),
    },
    "vests": {
        "es": ("Chalecos", "Punto sin mangas para llevar por capas."),
        "lv": ("Vestes", "Adījumi bez piedurknēm, ko vilkt kārtās."),
    },
    "outerwear": {
        "es": ("Abrigos", "Punto largo, ponchos y abrigos con capucha para el viento de la costa."),
        "lv": ("Virsdrēbes", "Gari adījumi, pončo un mēteļi ar kapuci piekrastes vējam."),
    },
    "accessories": {
        "es": ("Complementos", "Gorros, bufandas y manoplas para los inviernos bálticos."),
        "lv": ("Aksesuāri", "Cepures, šalles un dūraiņi Baltijas ziemām."),
    },
    "hats": {
        "es": ("Gorros", "Gorros de punto, gorros marineros y gorros con orejeras."),
        "lv": ("Cepures", "Adītas cepures, jūrnieku cepures un cepures ar ausīm."),
    },
    "scarves": {
        "es": ("Bufandas", "Bufandas largas y cuellos."),
        "lv": ("Šalles", "Garas šalles un šalles-caurules."),
    },
    "mittens": {
        "es": ("Manoplas", "Manoplas con dibujo y mitones."),
        "lv": ("Dūraiņi", "Rakstaini dūraiņi un pulsa sildītāji."),
    },
    "socks": {
        "es": ("Calcetines", "Calcetines de lana para botas, rutas y suelos fríos."),
        "lv": ("Zeķes", "Vilnas zeķes zābakiem, pārgājieniem un aukstām grīdām."),
    },
    "home": {
        "es": ("Hogar", "Mantas, plaids y cojines para las tardes largas."),
        "lv": ("Mājai", "Pledi, segas un spilveni garajiem vakariem."),
    },
    "blankets": {
        "es": ("Mantas", "Mantas tejidas en telar y a punto."),
        "lv": ("Pledi", "Austi un adīti pledi."),
    },
    "cushions": {
        "es": ("Cojines", "Fundas de cojín de punto."),
        "lv": ("Spilveni", "Adītas spilvendrānas."),
    },
}

# slug → language → (title, description)
PRODUCT_TEXT: dict[str, dict[str, tuple[str, str]]] = {
    "gauja-cable-knit-pullover": {
        "es": ("Jersey de ochos Gauja",
               "Tres ochos trenzados recorren este jersey grueso del bajo al hombro, tejido con lana letona "
               "hilada a pocos kilómetros del valle del Gauja. Corte holgado con hombros caídos; elige una "
               "talla menos si lo quieres más ajustado. Lavar a mano en frío y secar en plano."),
        "lv": ("Gaujas bižu džemperis",
               "Trīs bizes stiepjas no apakšmalas līdz plecam šim biezajam džemperim, kas adīts no Latvijas "
               "vilnas, vērptas dažus kilometrus no Gaujas ielejas. Brīvs piegriezums ar nolaistiem pleciem; "
               "ja gribi, lai pieguļ ciešāk, ņem izmēru mazāku. Mazgāt ar rokām aukstā ūdenī un žāvēt izklātu."),
    },
    "kurzeme-fair-isle-sweater": {
        "es": ("Jersey Fair Isle Kurzeme",
               "Una franja de estrellas de la mañana, el Auseklis letón, cruza el pecho, tejida en crudo sin "
               "teñir sobre el color principal. Suave lana de cordero que abriga sin abultar; talla fiel. "
               "Lavar a mano o en programa de lana a 30 °C."),
        "lv": ("Kurzemes Fair Isle džemperis",
               "Pāri krūtīm stiepjas Auseklīšu josla, adīta nekrāsotā krēmkrāsā uz pamatkrāsas fona. Mīksta "
               "jēra vilna, kas silda, bet nepadara apjomīgu; izmērs atbilst standartam. Mazgāt ar rokām vai "
               "vilnas programmā 30 °C."),
    },
    "jurmala-fisherman-rollneck": {
        "es": ("Jersey marinero de cuello vuelto Jūrmala",
               "Hecho para el viento del golfo de Riga: una lana densa y rica en lanolina, con un cuello alto "
               "que se dobla dos veces. Delantero de ochos, espalda lisa y un cuerpo largo que no se sale. "
               "Mejor airearlo que lavarlo; si hace falta, lavar a mano en frío."),
        "lv": ("Jūrmalas zvejnieku džemperis ar augstu apkakli",
               "Radīts vējam no Rīgas jūras līča: blīva, lanolīnu bagāta vilna un augsta apkakle, ko var "
               "atlocīt divreiz. Priekša ar bizēm, gluda mugura un garš augums, kas neizslīd no biksēm. Labāk "
               "izvēdini nekā mazgā; ja vajag, mazgā ar rokām aukstā ūdenī."),
    },
    "daugava-merino-crew": {
        "es": ("Jersey de merino Daugava",
               "Nuestro jersey de cuello redondo de diario en merino fino y extrasuave: ligero para la oficina "
               "y cálido para pasear junto al río en octubre. Corte entallado; elige tu talla habitual. "
               "Lavable a máquina en programa de lana; secar en plano."),
        "lv": ("Daugavas merīno džemperis",
               "Mūsu ikdienas džemperis ar apaļu kakla izgriezumu no smalkas, īpaši mīkstas merīno vilnas — "
               "pietiekami viegls birojam un pietiekami silts pastaigai gar upi oktobrī. Pieguļošs "
               "piegriezums; ņem savu ierasto izmēru. Mazgājams veļas mašīnā vilnas programmā, žāvēt izklātu."),
    },
    "lielupe-striped-breton-knit": {
        "es": ("Jersey bretón de rayas Lielupe",
               "Anchas rayas marineras en una mezcla de algodón y lana, pensado para las tardes de finales de "
               "verano junto al río Lielupe. Recto y ligeramente corto. Lavar a máquina a 30 °C del revés."),
        "lv": ("Lielupes strīpainais bretoņu džemperis",
               "Platas jūrnieku strīpas kokvilnas un vilnas maisījumā, radīts vēlajiem vasaras vakariem pie "
               "Lielupes. Taisns un nedaudz īsāks. Mazgāt veļas mašīnā 30 °C, izgrieztu uz kreiso pusi."),
    },
    "sigulda-shawl-collar-cardigan": {
        "es": ("Cárdigan con cuello chal Sigulda",
               "Un amplio cuello chal, cuatro botones de asta y hondos bolsillos de parche: el cárdigan que "
               "sustituye a la chaqueta en un día seco de otoño. Lana gruesa de estilo islandés, corte "
               "holgado. Lavar a mano en frío y dar forma en húmedo."),
        "lv": ("Siguldas jaka ar šalles apkakli",
               "Plata šalles apkakle, četras raga pogas un dziļas uzšūtās kabatas: jaka, ko vilkt žaketes "
               "vietā sausā rudens dienā. Bieza islandiešu stila vilna, brīvs piegriezums. Mazgāt ar rokām "
               "aukstā ūdenī un vēl mitru izveidot formā."),
    },
    "vidzeme-button-cardigan": {
        "es": ("Cárdigan de botones Vidzeme",
               "Un cárdigan clásico de cuello de pico en suave lana de cordero, con botones de madera "
               "torneados en Vidzeme. Ajustado al cuerpo; elige una talla más para llevarlo sobre otro "
               "jersey. Lavar a mano en frío."),
        "lv": ("Vidzemes pogājamā jaka",
               "Klasiska jaka ar V veida kakla izgriezumu no mīkstas jēra vilnas, ar Vidzemē virpotām koka "
               "pogām. Cieši pieguļ augumam; ja gribi to vilkt virs cita adījuma, ņem izmēru lielāku. Mazgāt "
               "ar rokām aukstā ūdenī."),
    },
    "riga-old-town-cropped-cardigan": {
        "es": ("Cárdigan corto Casco Viejo de Riga",
               "Corto, pulcro y un poco desenfadado, tejido en una lana tweed con motas de color como las "
               "fachadas del casco viejo. Llega a la cintura, para llevarlo sobre vestidos. Lavar a mano en "
               "frío. Quedan pocas unidades de esta temporada."),
        "lv": ("Vecrīgas īsā jaka",
               "Īsa, glīta un mazliet rotaļīga, adīta no tvīda vilnas ar krāsainiem plankumiņiem kā "
               "vecpilsētas fasādes. Līdz viduklim, lai vilktu virs kleitām. Mazgāt ar rokām aukstā ūdenī. "
               "No šīs sezonas partijas palikušas tikai dažas."),
    },
    "ligatne-chunky-zip-cardigan": {
        "es": ("Cárdigan grueso con cremallera Līgatne",
               "Nuestro punto más grueso: un cárdigan de lana de doble grosor con cremallera de doble cursor "
               "y tirador de madera, hecho para pasear por los bosques de Līgatne. Amplio de cuerpo. Limpiar "
               "solo las manchas, o lavar a mano en frío y secar en plano uno o dos días."),
        "lv": ("Līgatnes biezā jaka ar rāvējslēdzēju",
               "Mūsu biezākais adījums: dubultbieza vilnas jaka ar divvirzienu rāvējslēdzēju un koka vilkni, "
               "radīta pastaigām Līgatnes mežos. Ērti plata. Traipus tīrīt vietēji vai mazgāt ar rokām aukstā "
               "ūdenī un dienu vai divas žāvēt izklātu."),
    },
    "kuldiga-fair-isle-vest": {
        "es": ("Chaleco Fair Isle Kuldīga",
               "Un chaleco de cuello de pico con una sola franja de estrellas de la mañana, para llevar sobre "
               "una camisa en primavera o bajo el abrigo en invierno. Lana de cordero, corte regular. Lavar a "
               "mano en frío."),
        "lv": ("Kuldīgas Fair Isle veste",
               "Veste bez piedurknēm ar V veida kakla izgriezumu un vienu Auseklīšu joslu — pavasarī virs "
               "krekla, ziemā zem mēteļa. Jēra vilna, standarta piegriezums. Mazgāt ar rokām aukstā ūdenī."),
    },
    "baltic-storm-hooded-coat": {
        "es": ("Abrigo de punto con capucha Tormenta Báltica",
               "Un abrigo de punto hasta la rodilla con capucha amplia y alamares de madera, tan denso que "
               "frena el viento del mar. Exterior de lana abatanada y forro suave perchado. Limpieza en seco "
               "o airearlo; no lavar a máquina."),
        "lv": ("Baltijas vētras adītais mētelis ar kapuci",
               "Līdz ceļiem garš adīts mētelis ar dziļu kapuci un koka pogām, pietiekami blīvs, lai aizturētu "
               "jūras vēju. Ārpusē velta vilna, iekšpusē mīksta, suknēta odere. Tīrīt ķīmiski vai izvēdināt; "
               "nemazgāt veļas mašīnā."),
    },
    "saulkrasti-poncho": {
        "es": ("Poncho de rayas Saulkrasti",
               "Rayas anchas y un largo flecado, cortado para caer sobre un abrigo o un vestido de verano en "
               "una tarde fresca de playa. Talla única que sienta bien a casi todos. Lavar a mano en frío."),
        "lv": ("Saulkrastu strīpainais pončo",
               "Platas strīpas un garas bārkstis, piegriezts, lai krīt pāri mētelim vai vasaras kleitai vēsā "
               "vakarā pludmalē. Viens izmērs, kas der lielākajai daļai. Mazgāt ar rokām aukstā ūdenī."),
    },
    "kemeri-long-hooded-cardigan": {
        "es": ("Cárdigan largo con capucha Ķemeri",
               "Lo bastante largo para envolverte en él por la pasarela de madera del pantano de Ķemeri, con "
               "capucha y cinturón. Merino y alpaca, suave y ligero. Agotado por ahora; el nuevo lote ya está "
               "en las agujas."),
        "lv": ("Ķemeru garā jaka ar kapuci",
               "Pietiekami gara, lai ietītos tajā uz Ķemeru purva laipas, ar kapuci un jostu. Merīno un "
               "alpaka, mīksta un viegla. Pašlaik izpārdota; jauna partija jau top uz adāmadatām."),
    },
    "cesis-pompom-beanie": {
        "es": ("Gorro con pompón Cēsis",
               "Un gorro de canalé con vuelta profunda y un gran pompón de lana, tejido doble a la altura de "
               "las orejas. Talla única, se adapta a casi todas las cabezas. Lavar a mano en frío."),
        "lv": ("Cēsu cepure ar bumbuli",
               "Rievota cepure ar dziļu atloku un lielu vilnas bumbuli, ausu daļā adīta divkārt. Viens izmērs, "
               "kas izstiepjas un der lielākajai daļai galvu. Mazgāt ar rokām aukstā ūdenī."),
    },
    "ventspils-ribbed-watch-cap": {
        "es": ("Gorro marinero de canalé Ventspils",
               "El gorro de los trabajadores del puerto: canalé ceñido con vuelta, en lana engrasada que "
               "repele la llovizna. Talla única. Lavar a mano en frío."),
        "lv": ("Ventspils rievotā jūrnieku cepure",
               "Ostas strādnieka cepure: cieši rievota, ar atlocītu malu, no ieeļļotas vilnas, kas nebaidās "
               "no smalka lietus. Viens izmērs. Mazgāt ar rokām aukstā ūdenī."),
    },
    "latgale-earflap-hat": {
        "es": ("Gorro Fair Isle con orejeras Latgale",
               "Orejeras, cordones trenzados y una franja de estrellas, con un suave forro polar para que no "
               "pique. Talla única. Lavar a mano en frío. Casi agotado este invierno."),
        "lv": ("Latgales Fair Isle cepure ar ausīm",
               "Ausis, pītas aukliņas un zvaigžņu josla, oderēta ar mīkstu flīsu, lai nekož. Viens izmērs. "
               "Mazgāt ar rokām aukstā ūdenī. Šai ziemai gandrīz izpārdota."),
    },
    "liepaja-lambswool-scarf": {
        "es": ("Bufanda de lana de cordero Liepāja",
               "Una bufanda larga y ligera de lana de cordero cepillada, de 180 × 30 cm, con un flecado corto. "
               "Da para dos vueltas. Lavar a mano en frío y secar en plano."),
        "lv": ("Liepājas jēra vilnas šalle",
               "Gara, viegla šalle no suknētas jēra vilnas, 180 × 30 cm, ar īsām bārkstīm. Apliec to divreiz. "
               "Mazgāt ar rokām aukstā ūdenī un žāvēt izklātu."),
    },
    "gauja-valley-striped-scarf": {
        "es": ("Bufanda de rayas Valle del Gauja",
               "Rayas crudas sobre un fondo intenso, tejida doble para que no tenga revés. 190 × 28 cm. Lavar "
               "a mano en frío."),
        "lv": ("Gaujas ielejas strīpainā šalle",
               "Krēmkrāsas strīpas uz piesātināta fona, adīta divkārša, tāpēc tai nav kreisās puses. "
               "190 × 28 cm. Mazgāt ar rokām aukstā ūdenī."),
    },
    "midsummer-striped-snood": {
        "es": ("Cuello de rayas San Juan",
               "Una bufanda circular para las frías noches de Jāņi, el San Juan letón: se pasa por la cabeza y "
               "no hay puntas que remeter. Suave merino, talla única. Lavar a mano en frío."),
        "lv": ("Jāņu strīpainā šalle-caurule",
               "Apaļa šalle vēsajām Jāņu naktīm: uzvelc to pār galvu, un nav galu, ko ielikt. Mīksta merīno "
               "vilna, viens izmērs. Mazgāt ar rokām aukstā ūdenī."),
    },
    "latvian-pattern-mittens": {
        "es": ("Manoplas con dibujo letón",
               "Cimdi tradicionales, tejidos con una franja de estrellas en crudo, como las manoplas que se "
               "regalan en las bodas letonas desde hace siglos. Dos hebras de lana las hacen el doble de "
               "cálidas. Lavar a mano en frío."),
        "lv": ("Latviešu rakstainie dūraiņi",
               "Tradicionāli cimdi ar krēmkrāsas zvaigžņu joslu — tādus dūraiņus latviešu kāzās dāvina jau "
               "gadsimtiem. Divi vilnas pavedieni padara tos divreiz siltākus. Mazgāt ar rokām aukstā ūdenī."),
    },
    "merino-wrist-warmers": {
        "es": ("Mitones de merino",
               "Mitones sin dedos con escudete para el pulgar, para escribir en una oficina fría o ir a ella "
               "en bici. Merino fino, talla única. Lavar a máquina en programa de lana."),
        "lv": ("Merīno pulsa sildītāji",
               "Cimdi bez pirkstiem ar ieadītu īkšķi — rakstīšanai vēsā birojā vai braucienam uz to ar "
               "velosipēdu. Smalka merīno vilna, viens izmērs. Mazgājami veļas mašīnā vilnas programmā."),
    },
    "selija-lined-mittens": {
        "es": ("Manoplas forradas Sēlija",
               "Manoplas lisas y hondas con un suave forro polar y un largo puño de canalé que se mete en la "
               "manga. Lavar a mano en frío."),
        "lv": ("Sēlijas oderētie dūraiņi",
               "Vienkārši, dziļi dūraiņi ar mīkstu flīsa oderi un garu rievotu aproci, ko var ielikt "
               "piedurknē. Mazgāt ar rokām aukstā ūdenī."),
    },
    "undyed-wool-boot-socks": {
        "es": ("Calcetines de bota de lana sin teñir",
               "Calcetines acolchados para botas en lana letona sin teñir, con un toque de nailon en el talón "
               "y la puntera para que duren. El color es el de la propia oveja. Lavar a máquina a 30 °C."),
        "lv": ("Nekrāsotas vilnas zābaku zeķes",
               "Polsterētas zābaku zeķes no nekrāsotas Latvijas vilnas ar nedaudz neilona papēdī un purngalā "
               "izturībai. Krāsa ir pašas aitas. Mazgāt veļas mašīnā 30 °C."),
    },
    "nordic-star-house-socks": {
        "es": ("Calcetines de casa Estrella Nórdica",
               "Calcetines de casa gruesos y suaves con una franja de estrellas, tejidos para los suelos fríos "
               "de madera. Lavar a mano en frío; se abatanarán un poco y serán aún más acogedores."),
        "lv": ("Ziemeļu zvaigznes mājas zeķes",
               "Biezas, mīkstas mājas zeķes ar zvaigžņu joslu, adītas aukstām koka grīdām. Mazgāt ar rokām "
               "aukstā ūdenī; tās nedaudz savelsies un kļūs vēl mājīgākas."),
    },
    "kurzeme-hiking-socks": {
        "es": ("Calcetines de senderismo Kurzeme",
               "Calcetines de senderismo de merino con planta acolchada y un canalé ceñido que no se baja, "
               "hechos para la ruta de la costa. Lavar a máquina a 30 °C."),
        "lv": ("Kurzemes pārgājienu zeķes",
               "Merīno vilnas pārgājienu zeķes ar polsterētu pēdu un ciešu rievojumu, kas neslīd lejā, "
               "radītas piekrastes takai. Mazgāt veļas mašīnā 30 °C."),
    },
    "vidzeme-check-throw": {
        "es": ("Manta de lana a cuadros Vidzeme",
               "Una manta tejida en telar de lana de cordero, con un fino cuadro ventana y flecos anudados. "
               "Lavar a máquina en programa de lana o airearla al aire libre en un día de helada."),
        "lv": ("Vidzemes rūtainais vilnas pleds",
               "Austs jēra vilnas pleds ar smalkām rūtīm un sasietām bārkstīm. Mazgāt veļas mašīnā vilnas "
               "programmā vai izvēdināt ārā salnā dienā."),
    },
    "baltic-sea-baby-blanket": {
        "es": ("Mantita de bebé Mar Báltico",
               "Una suave manta de merino para la cuna o el cochecito, de 80 × 100 cm, tejida en un color "
               "sereno. Lavable a máquina a 30 °C, como todo lo que es para un bebé."),
        "lv": ("Baltijas jūras bērnu sedziņa",
               "Mīksta merīno sedziņa gultiņai vai ratiem, 80 × 100 cm, adīta mierīgā krāsā. Mazgājama veļas "
               "mašīnā 30 °C, kā jau visam, kas domāts mazulim."),
    },
    "fair-isle-cushion-cover": {
        "es": ("Funda de cojín Fair Isle",
               "Una funda de 45 × 45 cm con una franja de estrellas de la mañana y cremallera oculta. Relleno "
               "no incluido. Lavar a mano en frío."),
        "lv": ("Fair Isle spilvendrāna",
               "45 × 45 cm spilvendrāna ar Auseklīšu joslu un slēptu rāvējslēdzēju. Spilvens nav iekļauts. "
               "Mazgāt ar rokām aukstā ūdenī."),
    },
    "chunky-cable-cushion": {
        "es": ("Cojín de ochos gruesos",
               "Ochos profundos en lana gruesa, de 50 × 50 cm, con relleno de plumas. Limpiar solo las manchas "
               "de la funda, o lavarla a mano en frío."),
        "lv": ("Biezu bižu spilvens",
               "Dziļas bizes biezā vilnā, 50 × 50 cm, ar spalvu pildījumu. Pārvalka traipus tīrīt vietēji vai "
               "mazgāt to ar rokām aukstā ūdenī."),
    },
}

# offer slug → language → (name, description: the banner's text)
OFFER_TEXT: dict[str, dict[str, tuple[str, str]]] = {
    "followers-week": {
        "es": ("Semana de seguidores: 15% de descuento",
               "Para todos los que compran desde la pestaña de nuestra página: 15% de descuento en todo el "
               "pedido esta semana."),
        "lv": ("Sekotāju nedēļa: 15% atlaide",
               "Visiem, kas iepērkas mūsu lapas cilnē: šonedēļ 15% atlaide visam pasūtījumam."),
    },
    "telegram-ten": {
        "es": ("10 € de descuento desde 60 € para nuestro canal de Telegram",
               "El código de nuestros seguidores de Telegram: 10 € de descuento en pedidos de 60 € o más."),
        "lv": ("10 € atlaide no 60 € mūsu Telegram kanālam",
               "Mūsu Telegram sekotāju kods: 10 € atlaide pasūtījumam no 60 €."),
    },
    "free-shipping-40": {
        "es": ("Envío gratis desde 40 €", "Envío estándar gratis en pedidos de 40 € o más."),
        "lv": ("Bezmaksas piegāde no 40 €", "Bezmaksas standarta piegāde pasūtījumiem no 40 €."),
    },
    "hats-3-for-2": {
        "es": ("Gorros: compra 2 y el tercero es gratis", "Elige tres gorros; el más barato corre de nuestra cuenta."),
        "lv": ("Cepures: pērciet 2, trešā bez maksas", "Izvēlieties trīs cepures — lētākā uz mūsu rēķina."),
    },
    "thank-you-10": {
        "es": ("Gracias: 10% de descuento en tu próximo pedido",
               "Con cada recibo: 10% de descuento en tu próximo pedido."),
        "lv": ("Paldies: 10% atlaide nākamajam pasūtījumam",
               "Kopā ar katru čeku: 10% atlaide nākamajam pasūtījumam."),
    },
    "winter-solstice": {
        "es": ("Solsticio de invierno: 20% en punto", "La noche más larga, el punto más cálido."),
        "lv": ("Ziemas saulgrieži: 20% atlaide adījumiem", "Garākā nakts, siltākie adījumi."),
    },
}


def category_translations(slug: str) -> dict:
    """A demo category's `translations`."""
    return {language: {"name": name, "description": description}
            for language, (name, description) in CATEGORY_TEXT[slug].items()}


def product_translations(slug: str, option_names: list[str], colours: tuple[str, ...]) -> dict:
    """A demo product's `translations`: title, description, option names and colour names."""
    result = {}
    for language, (title, description) in PRODUCT_TEXT[slug].items():
        entry: dict = {"title": title, "description": description,
                       "options": {name: OPTION_NAMES[name][language] for name in option_names}}
        if "Colour" in option_names:
            entry["values"] = {"Colour": {colour: COLOUR_NAMES[colour][language] for colour in colours}}
        result[language] = entry
    return result


def offer_translations(slug: str) -> dict:
    """A demo offer's `translations`."""
    return {language: {"name": name, "description": description}
            for language, (name, description) in OFFER_TEXT[slug].items()}
