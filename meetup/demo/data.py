"""Plausible people and offices in and around Vienne (Isère) for the demo series.

Addresses are real street names; coordinates are approximate (WGS84). Some offices share a
building (a coworking space, a business centre) or sit next door, so the directory has
neighbours to find.
"""

from __future__ import annotations

# (street, postcode, city, latitude, longitude)
OFFICES = [
    ("12 rue Marchande", "38200", "Vienne", 45.52551, 4.87662),
    ("14 rue Marchande", "38200", "Vienne", 45.52560, 4.87675),
    ("3 cours Romestang", "38200", "Vienne", 45.52262, 4.87431),
    ("5 cours Romestang", "38200", "Vienne", 45.52250, 4.87448),
    ("22 quai Jean Jaurès", "38200", "Vienne", 45.52612, 4.87190),
    ("22 quai Jean Jaurès", "38200", "Vienne", 45.52612, 4.87190),
    ("22 quai Jean Jaurès", "38200", "Vienne", 45.52612, 4.87190),
    ("8 place de Miremont", "38200", "Vienne", 45.52497, 4.87788),
    ("17 rue de la Charité", "38200", "Vienne", 45.52703, 4.87619),
    ("41 cours Brillier", "38200", "Vienne", 45.52351, 4.87252),
    ("9 rue Ponsard", "38200", "Vienne", 45.52384, 4.87702),
    ("2 place François Mitterrand", "38200", "Vienne", 45.52441, 4.87603),
    ("30 rue Victor Hugo", "38200", "Vienne", 45.52649, 4.87598),
    ("6 rue des Clercs", "38200", "Vienne", 45.52618, 4.87488),
    ("11 rue Boson", "38200", "Vienne", 45.52652, 4.87381),
    ("54 avenue Général Leclerc", "38200", "Vienne", 45.51803, 4.87902),
    ("120 avenue Berthelot", "38200", "Vienne", 45.53752, 4.87004),
    ("15 rue Laurent Florentin", "38200", "Vienne", 45.54003, 4.87401),
    ("15 rue Laurent Florentin", "38200", "Vienne", 45.54003, 4.87401),
    ("4 montée Saint-Marcel", "38200", "Vienne", 45.52801, 4.88003),
    ("27 rue Teste du Bailler", "38200", "Vienne", 45.52302, 4.87901),
    ("1 place de l'Église", "69560", "Sainte-Colombe", 45.52602, 4.86603),
    ("18 rue Joseph Chaize", "69560", "Saint-Romain-en-Gal", 45.53201, 4.86502),
    ("7 avenue Jean Jaurès", "38780", "Pont-Évêque", 45.53357, 4.90721),
    ("9 avenue Jean Jaurès", "38780", "Pont-Évêque", 45.53366, 4.90744),
    ("230 route de Saint-Jean-de-Bournay", "38200", "Vienne", 45.52011, 4.89603),
    ("45 route de Vienne", "38780", "Estrablin", 45.51502, 4.95998),
    ("12 rue de la République", "38670", "Chasse-sur-Rhône", 45.57898, 4.80101),
    ("3 chemin du Bois", "38200", "Seyssuel", 45.55903, 4.84302),
    ("88 route de Lyon", "38200", "Chuzelles", 45.58701, 4.87598),
    ("5 place de la Mairie", "38200", "Jardin", 45.49503, 4.90597),
    ("150 route de la Vallée du Rhône", "38121", "Reventin-Vaugris", 45.47001, 4.84003),
]

FIRST_NAMES = [
    "Marie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Sophie", "Céline", "Aurélie",
    "Camille", "Léa", "Chloé", "Manon", "Élodie", "Hélène", "Inès", "Maëlle", "Jean", "Pierre",
    "Nicolas", "Julien", "Thomas", "François", "Stéphane", "Laurent", "Olivier", "Sébastien",
    "Antoine", "Hugo", "Maxime", "Karim", "Mehdi", "Loïc", "Gaëtan", "Benoît", "Raphaël",
    "Yannick", "Amélie", "Josiane", "Farida", "Thierry",
]  # fmt: skip

LAST_NAMES = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet",
    "François", "Martinez", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc", "Guérin",
    "Muller", "Henry", "Roussel", "Nicolas", "Perrin", "Morin", "Mathieu", "Clément", "Gauthier",
    "Dumont", "Lopez", "Fontaine", "Chevalier", "Robin", "Masson", "Sanchez", "Benali",
    "Nguyen", "Boyer", "Denis", "Lemaire", "Duval", "Joly", "Brun", "Roche",
]  # fmt: skip

# (company, sector, job title, I can help with, I'm looking for)
BUSINESSES = [
    ("Atelier Rhône Web", "digital", "Développeuse web", "sites vitrines, référencement local", "clients artisans"),
    ("Comptabilité Viennoise", "finance", "Expert-comptable", "création d'entreprise, bilans", "jeunes entreprises"),
    ("Boulangerie du Forum", "food", "Artisan boulanger", "buffets et plateaux pour vos événements", "un site de commande en ligne"),
    ("Vienne Immobilier Pro", "property", "Agent immobilier", "bureaux et locaux commerciaux", "des entreprises qui s'installent"),
    ("Menuiserie Gallo-Romaine", "craft", "Menuisier", "agencement de boutiques", "un comptable"),
    ("Cabinet Rousseau Avocats", "legal", "Avocate", "droit des contrats, baux commerciaux", "partenaires experts-comptables"),
    ("Studio Pilat Design", "communication", "Graphiste", "logos, identité visuelle", "imprimeurs locaux"),
    ("Les Jardins de Seyssuel", "food", "Maraîcher", "paniers de légumes pour entreprises", "restaurateurs"),
    ("Formation Isère Numérique", "training", "Formatrice", "formations bureautique et réseaux sociaux", "entreprises à former"),
    ("Coach & Co", "training", "Coach professionnel", "prise de parole, management", "dirigeants de TPE"),
    ("Électricité Moreau", "construction", "Électricien", "mise aux normes de locaux", "architectes"),
    ("Archi'Vienne", "construction", "Architecte", "rénovation de bureaux", "artisans du bâtiment"),
    ("Librairie du Théâtre", "retail", "Libraire", "livres pour cadeaux d'affaires", "idées d'animations"),
    ("Office des Vins de la Vallée", "tourism", "Caviste", "dégustations pour séminaires", "comités d'entreprise"),
    ("Kinés du Cours", "health", "Kinésithérapeute", "ergonomie au poste de travail", "entreprises partenaires"),
    ("Assurances Perrin", "finance", "Agent d'assurance", "assurance professionnelle", "artisans et commerçants"),
    ("Conseil RH Rhône-Alpes", "consulting", "Consultante RH", "recrutement, entretiens annuels", "PME en croissance"),
    ("Transports Lopez", "industry", "Gérant", "livraisons régionales", "entrepôt partagé"),
    ("Impressions de Vienne", "communication", "Imprimeur", "cartes de visite, flyers", "graphistes"),
    ("Ô Petit Café", "food", "Gérante de café", "salle pour réunions", "animations d'entreprises"),
    ("NumériSoft", "digital", "Développeur", "applications métier, automatisation", "associés commerciaux"),
    ("Vienne Vélo Services", "retail", "Réparateur vélo", "flottes de vélos d'entreprise", "entreprises engagées"),
    ("Traductions Benali", "consulting", "Traductrice", "traduction arabe, anglais, français", "entreprises à l'export"),
    ("Photographie Roche", "communication", "Photographe", "portraits professionnels", "agences de communication"),
    ("Association Entreprendre en Pays Viennois", "associations", "Chargée de mission", "aides à la création", "bénévoles mentors"),
    ("Secrétariat à la carte", "consulting", "Assistante indépendante", "secrétariat, facturation", "indépendants débordés"),
    ("Plomberie Nguyen", "craft", "Plombier", "dépannage rapide", "syndics et agences"),
    ("Gîtes du Pilat", "tourism", "Propriétaire de gîtes", "hébergement de groupes", "entreprises en séminaire"),
    ("Cyber Sécurité Rhône", "digital", "Consultant sécurité", "audit informatique, sauvegardes", "PME à protéger"),
    ("Fleurs de Miremont", "retail", "Fleuriste", "décoration florale d'accueil", "hôtels et restaurants"),
]  # fmt: skip
